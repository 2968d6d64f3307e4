import Foundation
import GGUF
import Kernels
import LLM

/// Small random-weight models of every architecture the engine supports,
/// written as real GGUF files, and a plain reference forward pass of llama
/// and qwen2 to hold the engine to (`Reference/forward.py` covers every
/// architecture). The reference is written from the definitions alone:
/// float weights, exact rotary angles, no quantized activations, a naive cache.
struct TinyModel {
  var architecture = "llama"
  var dimension = 64
  var headCount = 4
  var keyValueHeadCount = 2
  var feedForward = 96
  var layerCount = 2
  var vocabulary = 48
  var context = 64
  var ropeBase: Float = 10000
  var epsilon: Float = 1e-5
  var weightType = TensorType.f32
  var tiedOutput = true
  var seed: UInt64 = 1
  /// Tensors left out of the file, to test refusals.
  var omitted: Set<String> = []
  /// Tensors stored in another type than `weightType` (a model that mixes types).
  var mixedTypes: [String: TensorType] = [:]
  /// Tensors written as zero bytes of another type, to test refusals.
  var typeOverrides: [String: TensorType] = [:]
  /// A feed-forward length for the metadata that the tensors do not have.
  var claimedFeedForward: Int?
  /// A head size other than dimension / heads (as Qwen 3 and Gemma 3 have),
  /// written as `attention.key_length` and `attention.value_length`.
  var keyLength: Int?
  /// `attention.sliding_window`, `attn_logit_softcapping`,
  /// `final_logit_softcapping` and `rope.freq_base_swa`, when set.
  var slidingWindow: Int?
  var attentionSoftCap: Float?
  var finalSoftCap: Float?
  var localRopeBase: Float?
  /// Phi-3's LongRoPE: `rope_factors_long` and `rope_factors_short` tensors,
  /// the original context length and the attention factor.
  var longRope: (originalContext: Int, attentionFactor: Float)?
  /// Scale of the query and key weights: large enough, soft caps bite.
  var queryKeyScale: Float = 0.3
  /// More metadata, set last (to test refusals).
  var extraMetadata: [String: MetadataValue] = [:]

  var headDimension: Int { keyLength ?? dimension / headCount }
  var queryDimension: Int { headCount * headDimension }
  var keyValueDimension: Int { keyValueHeadCount * headDimension }
  var hasBiases: Bool { architecture == "qwen2" }
  var hasQueryKeyNorms: Bool { architecture == "qwen3" || architecture == "gemma3" }
  var hasPostNorms: Bool { architecture == "gemma2" || architecture == "gemma3" }
  var isFused: Bool { architecture == "phi3" }

  /// Tensors by name with their float values (as the file stores them, after rounding).
  private(set) var tensors: [String: (dimensions: [Int], values: [Float])] = [:]

  /// What the engine says when it refuses this model's file, or "" when it
  /// loads it.
  mutating func refusal() throws -> String {
    let file = try GGUFFile(memory: MappedMemory(copying: bytes()))
    do {
      _ = try Transformer(file: file, threads: 1)
      return ""
    } catch {
      return "\(error)"
    }
  }

  /// Builds the file's bytes; the decoded weights land in `tensors`.
  mutating func bytes(vocabularyWriter: (inout GGUFWriter) -> Void = { _ in }) -> [UInt8] {
    var random = seed
    func values(_ count: Int, scale: Float) -> [Float] {
      (0..<count).map { _ in
        random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int64(bitPattern: random) >> 40) / Float(1 << 23) * scale
      }
    }
    var writer = GGUFWriter()
    let prefix = architecture + "."
    writer.set("general.architecture", .string(architecture))
    writer.set("general.name", .string("tiny \(architecture)"))
    writer.set(prefix + "embedding_length", .uint32(UInt32(dimension)))
    writer.set(prefix + "block_count", .uint32(UInt32(layerCount)))
    writer.set(prefix + "feed_forward_length", .uint32(UInt32(claimedFeedForward ?? feedForward)))
    writer.set(prefix + "attention.head_count", .uint32(UInt32(headCount)))
    writer.set(prefix + "attention.head_count_kv", .uint32(UInt32(keyValueHeadCount)))
    writer.set(prefix + "context_length", .uint32(UInt32(context)))
    writer.set(prefix + "rope.freq_base", .float32(ropeBase))
    writer.set(prefix + "attention.layer_norm_rms_epsilon", .float32(epsilon))
    if let keyLength {
      writer.set(prefix + "attention.key_length", .uint32(UInt32(keyLength)))
      writer.set(prefix + "attention.value_length", .uint32(UInt32(keyLength)))
    }
    if let slidingWindow {
      writer.set(prefix + "attention.sliding_window", .uint32(UInt32(slidingWindow)))
    }
    if let attentionSoftCap {
      writer.set(prefix + "attn_logit_softcapping", .float32(attentionSoftCap))
    }
    if let finalSoftCap { writer.set(prefix + "final_logit_softcapping", .float32(finalSoftCap)) }
    if let localRopeBase { writer.set(prefix + "rope.freq_base_swa", .float32(localRopeBase)) }
    if let longRope {
      writer.set(
        prefix + "rope.scaling.original_context_length", .uint32(UInt32(longRope.originalContext)))
      writer.set(prefix + "rope.scaling.attn_factor", .float32(longRope.attentionFactor))
    }
    for (key, value) in extraMetadata.sorted(by: { $0.key < $1.key }) { writer.set(key, value) }
    vocabularyWriter(&writer)

    tensors = [:]
    func add(
      _ name: String, _ dimensions: [Int], scale: Float, type: TensorType, offset: Float = 0
    ) {
      let type = mixedTypes[name] ?? type
      let count = dimensions.reduce(1, *)
      if omitted.contains(name) { return }
      if let other = typeOverrides[name], let rowBytes = other.rowBytes(elements: dimensions[0]) {
        let bytes = [UInt8](repeating: 0, count: rowBytes * count / dimensions[0])
        writer.addTensor(name, dimensions: dimensions, type: other, data: bytes)
        return
      }
      let raw = values(count, scale: scale).map { $0 + offset }
      let encoded = Quantize.row(raw, as: type)
      var decoded = [Float](repeating: 0, count: count)
      encoded.withUnsafeBytes { bytes in
        decoded.withUnsafeMutableBufferPointer {
          Dequantize.row(type: type, bytes.baseAddress!, count: count, into: $0.baseAddress!)
        }
      }
      tensors[name] = (dimensions, decoded)
      writer.addTensor(name, dimensions: dimensions, type: type, data: encoded)
    }
    add("token_embd.weight", [dimension, vocabulary], scale: 1, type: weightType)
    if longRope != nil {
      // Divisors of the frequencies between 1 and 5, as LongRoPE's are.
      add("rope_factors_long.weight", [headDimension / 2], scale: 2, type: .f32, offset: 3)
      add("rope_factors_short.weight", [headDimension / 2], scale: 0.5, type: .f32, offset: 1.5)
    }
    for layer in 0..<layerCount {
      let p = "blk.\(layer)."
      add(p + "attn_norm.weight", [dimension], scale: 1, type: .f32)
      if isFused {
        add(
          p + "attn_qkv.weight", [dimension, queryDimension + 2 * keyValueDimension],
          scale: queryKeyScale, type: weightType)
      } else {
        add(
          p + "attn_q.weight", [dimension, queryDimension], scale: queryKeyScale, type: weightType)
        add(
          p + "attn_k.weight", [dimension, keyValueDimension], scale: queryKeyScale,
          type: weightType)
        add(p + "attn_v.weight", [dimension, keyValueDimension], scale: 0.3, type: weightType)
      }
      if hasBiases {
        add(p + "attn_q.bias", [queryDimension], scale: 0.2, type: .f32)
        add(p + "attn_k.bias", [keyValueDimension], scale: 0.2, type: .f32)
        add(p + "attn_v.bias", [keyValueDimension], scale: 0.2, type: .f32)
      }
      if hasQueryKeyNorms {
        add(p + "attn_q_norm.weight", [headDimension], scale: 1, type: .f32)
        add(p + "attn_k_norm.weight", [headDimension], scale: 1, type: .f32)
      }
      add(p + "attn_output.weight", [queryDimension, dimension], scale: 0.3, type: weightType)
      if hasPostNorms { add(p + "post_attention_norm.weight", [dimension], scale: 1, type: .f32) }
      add(p + "ffn_norm.weight", [dimension], scale: 1, type: .f32)
      if isFused {
        add(p + "ffn_up.weight", [dimension, 2 * feedForward], scale: 0.3, type: weightType)
      } else {
        add(p + "ffn_gate.weight", [dimension, feedForward], scale: 0.3, type: weightType)
        add(p + "ffn_up.weight", [dimension, feedForward], scale: 0.3, type: weightType)
      }
      add(p + "ffn_down.weight", [feedForward, dimension], scale: 0.3, type: weightType)
      if hasPostNorms { add(p + "post_ffw_norm.weight", [dimension], scale: 1, type: .f32) }
    }
    add("output_norm.weight", [dimension], scale: 1, type: .f32)
    if !tiedOutput { add("output.weight", [dimension, vocabulary], scale: 0.5, type: weightType) }
    return writer.bytes()
  }

  /// The reference forward pass over `tokens` (llama and qwen2), returning
  /// each position's logits.
  func referenceLogits(_ tokens: [Int32]) -> [[Double]] {
    func weight(_ name: String) -> [Double] { tensors[name]!.values.map(Double.init) }
    /// rows x columns matrix stored row-major (ggml's [columns, rows]).
    func multiply(_ name: String, _ x: [Double], rows: Int) -> [Double] {
      let w = weight(name)
      let columns = x.count
      return (0..<rows).map { row in
        (0..<columns).reduce(0.0) { $0 + w[row * columns + $1] * x[$1] }
      }
    }
    func norm(_ x: [Double], _ name: String) -> [Double] {
      let w = weight(name)
      let rms = (x.reduce(0) { $0 + $1 * $1 } / Double(x.count) + Double(epsilon)).squareRoot()
      return x.indices.map { x[$0] / rms * w[$0] }
    }
    func rotate(_ v: inout [Double], position: Int) {
      let half = headDimension / 2
      for head in 0..<(v.count / headDimension) {
        for i in 0..<half {
          let angle =
            Double(position) * pow(Double(ropeBase), -2 * Double(i) / Double(headDimension))
          let (a, b) =
            architecture == "qwen2"
            ? (head * headDimension + i, head * headDimension + i + half)
            : (head * headDimension + 2 * i, head * headDimension + 2 * i + 1)
          let (x, y) = (v[a], v[b])
          v[a] = x * cos(angle) - y * sin(angle)
          v[b] = x * sin(angle) + y * cos(angle)
        }
      }
    }
    func add(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map(+) }

    var keys = [[[Double]]](repeating: [], count: layerCount)
    var values = [[[Double]]](repeating: [], count: layerCount)
    var outputs: [[Double]] = []
    let embedding = weight("token_embd.weight")
    for (position, token) in tokens.enumerated() {
      var x = Array(embedding[Int(token) * dimension..<(Int(token) + 1) * dimension])
      for layer in 0..<layerCount {
        let p = "blk.\(layer)."
        let h = norm(x, p + "attn_norm.weight")
        var q = multiply(p + "attn_q.weight", h, rows: dimension)
        var k = multiply(p + "attn_k.weight", h, rows: keyValueDimension)
        var v = multiply(p + "attn_v.weight", h, rows: keyValueDimension)
        if hasBiases {
          q = add(q, weight(p + "attn_q.bias"))
          k = add(k, weight(p + "attn_k.bias"))
          v = add(v, weight(p + "attn_v.bias"))
        }
        rotate(&q, position: position)
        rotate(&k, position: position)
        keys[layer].append(k)
        values[layer].append(v)
        var attended = [Double](repeating: 0, count: dimension)
        for head in 0..<headCount {
          let kvHead = head / (headCount / keyValueHeadCount)
          let qh = q[head * headDimension..<(head + 1) * headDimension]
          var scores = keys[layer].map { key in
            zip(qh, key[kvHead * headDimension..<(kvHead + 1) * headDimension]).reduce(0) {
              $0 + $1.0 * $1.1
            } / Double(headDimension).squareRoot()
          }
          let largest = scores.max()!
          scores = scores.map { exp($0 - largest) }
          let total = scores.reduce(0, +)
          for (time, score) in scores.enumerated() {
            for i in 0..<headDimension {
              attended[head * headDimension + i] +=
                score / total * values[layer][time][kvHead * headDimension + i]
            }
          }
        }
        x = add(x, multiply(p + "attn_output.weight", attended, rows: dimension))
        let f = norm(x, p + "ffn_norm.weight")
        let gate = multiply(p + "ffn_gate.weight", f, rows: feedForward)
        let up = multiply(p + "ffn_up.weight", f, rows: feedForward)
        let hidden = gate.indices.map { gate[$0] / (1 + exp(-gate[$0])) * up[$0] }
        x = add(x, multiply(p + "ffn_down.weight", hidden, rows: dimension))
      }
      let final = norm(x, "output_norm.weight")
      outputs.append(
        multiply(tiedOutput ? "token_embd.weight" : "output.weight", final, rows: vocabulary))
    }
    return outputs
  }
}
