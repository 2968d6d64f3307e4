import GGUF

/// How rotary position embedding pairs up the dimensions of a head.
public enum RopeLayout: Sendable {
  /// Adjacent pairs (x[2i], x[2i+1]): llama, whose converters permute Q and K for it.
  case adjacent
  /// Halves (x[i], x[i + d/2]): the GPT-NeoX layout of qwen2, qwen3, gemma2, gemma3 and phi3.
  case halves
}

/// The rotation of one kind of layer: pair i of a head at position p turns
/// by p · scale · base^(-2i/d).
public struct Rope: Sendable, Equatable {
  public let base: Float
  /// Positions are multiplied by this (1 / the linear scaling factor).
  public let scale: Float
}

/// The activation of a feed-forward block's gate.
public enum GateActivation: Sendable {
  /// SwiGLU: silu(gate) · up.
  case silu
  /// GeGLU: gelu(gate) · up, with GELU's tanh approximation (Gemma).
  case gelu
}

/// Attention that looks back only `length` positions, on some layers.
public struct SlidingWindow: Sendable {
  /// Positions a query attends to, its own included.
  public let length: Int
  /// Of every `period` layers all but the last are windowed: Gemma 2
  /// alternates (2), Gemma 3 has five local layers to one global (6).
  public let period: Int
  /// The rotation of the windowed layers (Gemma 3 gives them their own base).
  public let rope: Rope

  public func contains(layer: Int) -> Bool { layer % period < period - 1 }
}

/// The model's hyperparameters, read from metadata under the architecture's
/// prefix. What sets one architecture apart from another is held here as
/// data (scales, caps, windows, which optional tensors it has), so the
/// forward pass reads it rather than the architecture's name.
public struct ModelConfig: Sendable {
  public static let supportedArchitectures: Set<String> = [
    "llama", "qwen2", "qwen3", "gemma2", "gemma3", "phi3",
  ]

  public let architecture: String
  public let name: String?
  public let embeddingLength: Int
  public let layerCount: Int
  public let feedForwardLength: Int
  public let headCount: Int
  public let keyValueHeadCount: Int
  public let headDimension: Int
  public let trainedContextLength: Int
  /// The rotation of every layer that is not windowed.
  public let rope: Rope
  /// Cosines and sines are multiplied by this (LongRoPE's attention factor, 1 otherwise).
  public let ropeAttentionFactor: Float
  /// The context up to which LongRoPE's short frequency factors apply.
  public let originalContextLength: Int
  public let ropeLayout: RopeLayout
  public let rmsEpsilon: Float

  /// Input embeddings are multiplied by this (Gemma: √embedding length).
  public let embeddingScale: Float?
  public let gateActivation: GateActivation
  /// Gate and up projections are one tensor, `ffn_up`, gate rows first (Phi-3).
  public let fusedGateUp: Bool
  /// Each head's query and key are RMS-normalized before the rotation (Qwen 3, Gemma 3).
  public let normalizesQueryAndKey: Bool
  /// Attention and feed-forward outputs are RMS-normalized before the residual add (Gemma).
  public let normalizesBlockOutputs: Bool
  /// Attention scores are the query·key products times this.
  public let attentionScale: Float
  /// Scores become cap · tanh(score / cap) before the softmax (Gemma 2).
  public let attentionSoftCap: Float?
  /// Logits become cap · tanh(logit / cap) (Gemma 2).
  public let finalSoftCap: Float?
  public let slidingWindow: SlidingWindow?

  public var keyValueDimension: Int { keyValueHeadCount * headDimension }
  public var queryDimension: Int { headCount * headDimension }

  /// How far back layer `layer` attends, or nil for the whole context.
  public func window(layer: Int) -> Int? {
    guard let slidingWindow, slidingWindow.contains(layer: layer) else { return nil }
    return slidingWindow.length
  }

  /// The rotation of layer `layer`.
  public func rope(layer: Int) -> Rope {
    guard let slidingWindow, slidingWindow.contains(layer: layer) else { return rope }
    return slidingWindow.rope
  }

  public init(file: GGUFFile) throws(ModelError) {
    do {
      architecture = try file.string("general.architecture")
      guard Self.supportedArchitectures.contains(architecture) else {
        throw ModelError.unsupportedArchitecture(architecture)
      }
      let prefix = architecture + "."
      func integer(_ key: String) throws -> Int? {
        try file.optional(prefix + key, GGUFFile.integer)
      }
      func float(_ key: String) throws -> Float? { try file.optional(prefix + key, GGUFFile.float) }

      name = try file.optional("general.name", GGUFFile.string)
      embeddingLength = try file.integer(prefix + "embedding_length")
      layerCount = try file.integer(prefix + "block_count")
      feedForwardLength = try file.integer(prefix + "feed_forward_length")
      headCount = try file.integer(prefix + "attention.head_count")
      keyValueHeadCount = try integer("attention.head_count_kv") ?? headCount
      trainedContextLength = try file.integer(prefix + "context_length")
      let scalingType = try file.optional(prefix + "rope.scaling.type", GGUFFile.string) ?? "none"
      let factor = try float("rope.scaling.factor") ?? 1
      rope = Rope(
        base: try float("rope.freq_base") ?? 10000,
        scale: scalingType == "linear" && factor > 0 ? 1 / factor : 1)
      ropeAttentionFactor = try float("rope.scaling.attn_factor") ?? 1
      originalContextLength =
        try integer("rope.scaling.original_context_length") ?? trainedContextLength
      rmsEpsilon = try file.float(prefix + "attention.layer_norm_rms_epsilon")
      guard headCount > 0 else { throw ModelError.badHyperparameter("no attention heads") }
      if let keyLength = try integer("attention.key_length") {
        headDimension = keyLength
      } else {
        guard embeddingLength % headCount == 0 else {
          throw ModelError.badHyperparameter(
            "\(embeddingLength) dimensions over \(headCount) heads")
        }
        headDimension = embeddingLength / headCount
      }
      if let valueLength = try integer("attention.value_length"), valueLength != headDimension {
        throw ModelError.badHyperparameter(
          "values of \(valueLength) dimensions with keys of \(headDimension)")
      }
      if let rotated = try integer("rope.dimension_count"), rotated != headDimension {
        throw ModelError.badHyperparameter(
          "rotary embedding of \(rotated) of a head's \(headDimension) dimensions")
      }

      // What each architecture adds to the llama block, as llama.cpp runs it.
      let isGemma = architecture == "gemma2" || architecture == "gemma3"
      ropeLayout = architecture == "llama" ? .adjacent : .halves
      embeddingScale = isGemma ? Float(embeddingLength).squareRoot() : nil
      gateActivation = isGemma ? .gelu : .silu
      fusedGateUp = architecture == "phi3"
      normalizesQueryAndKey = architecture == "qwen3" || architecture == "gemma3"
      normalizesBlockOutputs = isGemma
      // Gemma scales queries by query_pre_attn_scalar, which GGUF does not
      // store: llama.cpp takes embedding / heads for the 27B models (told
      // apart by their layer count) and the head size for the others.
      let isGemma27B =
        (architecture == "gemma2" && layerCount == 46)
        || (architecture == "gemma3" && layerCount == 62)
      attentionScale =
        isGemma27B
        ? 1 / Float(embeddingLength / headCount).squareRoot()
        : 1 / Float(headDimension).squareRoot()
      switch architecture {
      case "gemma2":
        // llama.cpp's defaults when the file does not say.
        attentionSoftCap = try float("attn_logit_softcapping") ?? 50
        finalSoftCap = try float("final_logit_softcapping") ?? 30
        slidingWindow = SlidingWindow(
          length: try integer("attention.sliding_window") ?? 4096, period: 2, rope: rope)
      case "gemma3":
        attentionSoftCap = try float("attn_logit_softcapping")
        finalSoftCap = try float("final_logit_softcapping")
        // Local layers turn by their own base (10000 unless the file says)
        // and are never scaled; without a window every layer is global.
        let local = Rope(base: try float("rope.freq_base_swa") ?? 10000, scale: 1)
        let length = try integer("attention.sliding_window") ?? 0
        slidingWindow = length == 0 ? nil : SlidingWindow(length: length, period: 6, rope: local)
      default:
        // Phi-3 files name a sliding window too, but llama.cpp no longer
        // applies it (its converters wrote windows the models do not use).
        attentionSoftCap = nil
        finalSoftCap = nil
        slidingWindow = nil
      }
    } catch let error as GGUFError {
      throw .file(error)
    } catch let error as ModelError {
      throw error
    } catch {
      throw .badHyperparameter("\(error)")
    }
    let limits = [
      embeddingLength, layerCount, feedForwardLength, headCount, keyValueHeadCount, headDimension,
    ]
    guard limits.allSatisfy({ $0 > 0 && $0 <= 1 << 16 }), trainedContextLength > 1 else {
      throw .badHyperparameter("a size is zero, negative or absurd")
    }
    guard headCount % keyValueHeadCount == 0 else {
      throw .badHyperparameter(
        "\(headCount) heads do not share \(keyValueHeadCount) key/value heads")
    }
    guard headDimension % 2 == 0, rmsEpsilon > 0, rope.base > 0 else {
      throw .badHyperparameter("head size, epsilon or rope base")
    }
    guard ropeAttentionFactor > 0, ropeAttentionFactor.isFinite, originalContextLength > 0 else {
      throw .badHyperparameter("rope scaling attention factor or original context length")
    }
    for (what, cap) in [("attention", attentionSoftCap), ("final", finalSoftCap)] {
      if let cap, !(cap > 0 && cap.isFinite) {
        throw .badHyperparameter("\(what) logit soft-capping of \(cap)")
      }
    }
    if let slidingWindow {
      guard slidingWindow.length > 0 else {
        throw .badHyperparameter("a sliding window of \(slidingWindow.length) positions")
      }
      guard slidingWindow.rope.base > 0 else {
        throw .badHyperparameter("local layers' rope base")
      }
    }
  }
}
