import GGUF
import Kernels

/// A vector of floats: a view into the map when the file stores it as F32,
/// otherwise a small copy decoded once at load (norms and biases only).
public struct FloatVector: @unchecked Sendable {
  public let pointer: UnsafePointer<Float>
  public let count: Int
}

/// One transformer block's weights. Shapes in (rows, columns), as the
/// products compute them: output = matrix · input.
public struct LayerWeights: Sendable {
  public let attentionNorm: FloatVector  // (embedding)
  public let query: WeightMatrix  // (heads * head size, embedding)
  public let key: WeightMatrix  // (kv heads * head size, embedding)
  public let value: WeightMatrix  // (kv heads * head size, embedding)
  public let queryBias: FloatVector?  // qwen2 only
  public let keyBias: FloatVector?
  public let valueBias: FloatVector?
  public let attentionOutput: WeightMatrix  // (embedding, heads * head size)
  public let feedForwardNorm: FloatVector  // (embedding)
  public let gate: WeightMatrix  // (feed forward, embedding)
  public let up: WeightMatrix  // (feed forward, embedding)
  public let down: WeightMatrix  // (embedding, feed forward)
}

/// All weights, as views over the memory-mapped file: nothing is converted
/// or copied at load except the few float vectors stored in other types.
public final class Weights: @unchecked Sendable {
  /// The mapped file the views point into, kept alive with them.
  public let file: GGUFFile
  public let tokenEmbedding: WeightMatrix  // (vocabulary, embedding)
  public let layers: [LayerWeights]
  public let outputNorm: FloatVector  // (embedding)
  public let output: WeightMatrix  // (vocabulary, embedding); the embedding when tied
  /// Per-dimension divisors of the rotary frequencies (Llama 3.1 style), if any.
  public let ropeFrequencyFactors: FloatVector?
  private var ownedVectors: [UnsafeMutablePointer<Float>] = []

  public init(file: GGUFFile, config: ModelConfig) throws(ModelError) {
    self.file = file
    let dimension = config.embeddingLength
    var owned: [UnsafeMutablePointer<Float>] = []

    func tensor(_ name: String) throws(ModelError) -> TensorInfo {
      guard let info = file.tensor(named: name) else { throw .missingTensor(name) }
      return info
    }
    func matrix(_ name: String, rows: Int, columns: Int) throws(ModelError) -> WeightMatrix {
      let info = try tensor(name)
      guard info.dimensions == [columns, rows] else {
        throw .kernel(
          .shapeMismatch(tensor: name, expected: [columns, rows], found: info.dimensions))
      }
      do {
        return try WeightMatrix(
          name: name, type: info.type, data: file.data(of: info), rows: rows, columns: columns)
      } catch { throw .kernel(error) }
    }
    func vector(_ name: String, count: Int) throws(ModelError) -> FloatVector {
      let info = try tensor(name)
      guard info.elementCount == count, info.dimensions.count == 1 else {
        throw .kernel(.shapeMismatch(tensor: name, expected: [count], found: info.dimensions))
      }
      if info.type == .f32 {
        return FloatVector(
          pointer: file.data(of: info).assumingMemoryBound(to: Float.self), count: count)
      }
      guard WeightMatrix.supportedTypes.contains(info.type) else {
        throw .kernel(.unsupportedType(tensor: name, type: info.type))
      }
      let copy = UnsafeMutablePointer<Float>.allocate(capacity: count)
      owned.append(copy)
      Dequantize.row(type: info.type, file.data(of: info), count: count, into: copy)
      return FloatVector(pointer: copy, count: count)
    }
    func optionalVector(_ name: String, count: Int) throws(ModelError) -> FloatVector? {
      file.tensor(named: name) == nil ? nil : try vector(name, count: count)
    }

    let vocabulary = try tensor("token_embd.weight").rowCount
    tokenEmbedding = try matrix("token_embd.weight", rows: vocabulary, columns: dimension)
    outputNorm = try vector("output_norm.weight", count: dimension)
    output =
      file.tensor(named: "output.weight") == nil
      ? tokenEmbedding : try matrix("output.weight", rows: vocabulary, columns: dimension)
    ropeFrequencyFactors = try optionalVector(
      "rope_freqs.weight", count: config.headDimension / 2)

    var layers: [LayerWeights] = []
    for index in 0..<config.layerCount {
      let prefix = "blk.\(index)."
      layers.append(
        LayerWeights(
          attentionNorm: try vector(prefix + "attn_norm.weight", count: dimension),
          query: try matrix(
            prefix + "attn_q.weight", rows: config.queryDimension, columns: dimension),
          key: try matrix(
            prefix + "attn_k.weight", rows: config.keyValueDimension, columns: dimension),
          value: try matrix(
            prefix + "attn_v.weight", rows: config.keyValueDimension, columns: dimension),
          queryBias: try optionalVector(prefix + "attn_q.bias", count: config.queryDimension),
          keyBias: try optionalVector(prefix + "attn_k.bias", count: config.keyValueDimension),
          valueBias: try optionalVector(prefix + "attn_v.bias", count: config.keyValueDimension),
          attentionOutput: try matrix(
            prefix + "attn_output.weight", rows: dimension, columns: config.queryDimension),
          feedForwardNorm: try vector(prefix + "ffn_norm.weight", count: dimension),
          gate: try matrix(
            prefix + "ffn_gate.weight", rows: config.feedForwardLength, columns: dimension),
          up: try matrix(
            prefix + "ffn_up.weight", rows: config.feedForwardLength, columns: dimension),
          down: try matrix(
            prefix + "ffn_down.weight", rows: dimension, columns: config.feedForwardLength)))
    }
    self.layers = layers
    self.ownedVectors = owned
  }

  public var vocabularySize: Int { tokenEmbedding.rows }

  deinit {
    for vector in ownedVectors { vector.deallocate() }
  }
}
