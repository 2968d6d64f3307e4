import GGUF

/// How rotary position embedding pairs up the dimensions of a head.
public enum RopeLayout: Sendable {
  /// Adjacent pairs (x[2i], x[2i+1]): llama, whose converters permute Q and K for it.
  case adjacent
  /// Halves (x[i], x[i + d/2]): the GPT-NeoX layout that qwen2 uses.
  case halves
}

/// The model's hyperparameters, read from metadata under the architecture's prefix.
public struct ModelConfig: Sendable {
  public static let supportedArchitectures: Set<String> = ["llama", "qwen2"]

  public let architecture: String
  public let name: String?
  public let embeddingLength: Int
  public let layerCount: Int
  public let feedForwardLength: Int
  public let headCount: Int
  public let keyValueHeadCount: Int
  public let headDimension: Int
  public let trainedContextLength: Int
  public let ropeBase: Float
  /// Positions are multiplied by this (1 / the linear scaling factor).
  public let ropeScale: Float
  public let ropeLayout: RopeLayout
  public let rmsEpsilon: Float

  public var keyValueDimension: Int { keyValueHeadCount * headDimension }
  public var queryDimension: Int { headCount * headDimension }

  public init(file: GGUFFile) throws(ModelError) {
    do {
      architecture = try file.string("general.architecture")
      guard Self.supportedArchitectures.contains(architecture) else {
        throw ModelError.unsupportedArchitecture(architecture)
      }
      let prefix = architecture + "."
      name = try file.optional("general.name", GGUFFile.string)
      embeddingLength = try file.integer(prefix + "embedding_length")
      layerCount = try file.integer(prefix + "block_count")
      feedForwardLength = try file.integer(prefix + "feed_forward_length")
      headCount = try file.integer(prefix + "attention.head_count")
      keyValueHeadCount =
        try file.optional(prefix + "attention.head_count_kv", GGUFFile.integer) ?? headCount
      trainedContextLength = try file.integer(prefix + "context_length")
      ropeBase = try file.optional(prefix + "rope.freq_base", GGUFFile.float) ?? 10000
      let scalingType = try file.optional(prefix + "rope.scaling.type", GGUFFile.string) ?? "none"
      let factor = try file.optional(prefix + "rope.scaling.factor", GGUFFile.float) ?? 1
      ropeScale = scalingType == "linear" && factor > 0 ? 1 / factor : 1
      ropeLayout = architecture == "qwen2" ? .halves : .adjacent
      rmsEpsilon = try file.float(prefix + "attention.layer_norm_rms_epsilon")
      guard headCount > 0, embeddingLength % headCount == 0 else {
        throw ModelError.badHyperparameter("\(embeddingLength) dimensions over \(headCount) heads")
      }
      headDimension =
        try file.optional(prefix + "attention.key_length", GGUFFile.integer)
        ?? embeddingLength / headCount
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
    guard headDimension % 2 == 0, rmsEpsilon > 0, ropeBase > 0 else {
      throw .badHyperparameter("head size, epsilon or rope base")
    }
  }
}
