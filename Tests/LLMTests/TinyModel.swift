import Foundation
import GGUF
import Kernels

/// Small random-weight models of every shape the engine supports, written
/// as real GGUF files, and a plain reference forward pass to hold the
/// engine to. The reference is written from the definitions alone: float
/// weights, exact rotary angles, no quantized activations, a naive cache.
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

  var headDimension: Int { dimension / headCount }
  var keyValueDimension: Int { keyValueHeadCount * headDimension }
  var hasBiases: Bool { architecture == "qwen2" }

  /// Tensors by name with their float values (as the file stores them, after rounding).
  private(set) var tensors: [String: (dimensions: [Int], values: [Float])] = [:]

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
    vocabularyWriter(&writer)

    tensors = [:]
    func add(_ name: String, _ dimensions: [Int], scale: Float, type: TensorType) {
      let type = mixedTypes[name] ?? type
      let count = dimensions.reduce(1, *)
      if omitted.contains(name) { return }
      if let other = typeOverrides[name], let rowBytes = other.rowBytes(elements: dimensions[0]) {
        let bytes = [UInt8](repeating: 0, count: rowBytes * count / dimensions[0])
        writer.addTensor(name, dimensions: dimensions, type: other, data: bytes)
        return
      }
      let raw = values(count, scale: scale)
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
    for layer in 0..<layerCount {
      let p = "blk.\(layer)."
      add(p + "attn_norm.weight", [dimension], scale: 1, type: .f32)
      add(p + "attn_q.weight", [dimension, dimension], scale: 0.3, type: weightType)
      add(p + "attn_k.weight", [dimension, keyValueDimension], scale: 0.3, type: weightType)
      add(p + "attn_v.weight", [dimension, keyValueDimension], scale: 0.3, type: weightType)
      if hasBiases {
        add(p + "attn_q.bias", [dimension], scale: 0.2, type: .f32)
        add(p + "attn_k.bias", [keyValueDimension], scale: 0.2, type: .f32)
        add(p + "attn_v.bias", [keyValueDimension], scale: 0.2, type: .f32)
      }
      add(p + "attn_output.weight", [dimension, dimension], scale: 0.3, type: weightType)
      add(p + "ffn_norm.weight", [dimension], scale: 1, type: .f32)
      add(p + "ffn_gate.weight", [dimension, feedForward], scale: 0.3, type: weightType)
      add(p + "ffn_up.weight", [dimension, feedForward], scale: 0.3, type: weightType)
      add(p + "ffn_down.weight", [feedForward, dimension], scale: 0.3, type: weightType)
    }
    add("output_norm.weight", [dimension], scale: 1, type: .f32)
    if !tiedOutput { add("output.weight", [dimension, vocabulary], scale: 0.5, type: weightType) }
    return writer.bytes()
  }

  /// The reference forward pass over `tokens`, returning each position's logits.
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
