import GGUF
import Kernels

/// A vector of floats: a view into the map when the file stores it as F32,
/// otherwise a small copy decoded once at load (norms and biases only).
public struct FloatVector: @unchecked Sendable {
  public let pointer: UnsafePointer<Float>
  public let count: Int
}

/// One transformer block's weights. Shapes in (rows, columns), as the
/// products compute them: output = matrix · input. Fused tensors (Phi-3's
/// `attn_qkv` and gate-and-up `ffn_up`) are split into row ranges viewed in
/// place, so their parts still go through one grouped product.
public struct LayerWeights: Sendable {
  public let attentionNorm: FloatVector  // (embedding)
  public let query: WeightMatrix  // (heads * head size, embedding)
  public let key: WeightMatrix  // (kv heads * head size, embedding)
  public let value: WeightMatrix  // (kv heads * head size, embedding)
  public let queryBias: FloatVector?  // qwen2 only
  public let keyBias: FloatVector?
  public let valueBias: FloatVector?
  public let queryNorm: FloatVector?  // (head size), qwen3 and gemma3
  public let keyNorm: FloatVector?  // (head size)
  public let attentionOutput: WeightMatrix  // (embedding, heads * head size)
  public let postAttentionNorm: FloatVector?  // (embedding), gemma
  public let feedForwardNorm: FloatVector  // (embedding)
  public let gate: WeightMatrix  // (feed forward, embedding)
  public let up: WeightMatrix  // (feed forward, embedding)
  public let down: WeightMatrix  // (embedding, feed forward)
  public let postFeedForwardNorm: FloatVector?  // (embedding), gemma
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
  /// LongRoPE's divisors (Phi-3 128k): the long ones for contexts beyond
  /// the original one, the short ones otherwise.
  public let longContextFactors: FloatVector?
  public let shortContextFactors: FloatVector?
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
    let pairs = config.headDimension / 2
    ropeFrequencyFactors = try optionalVector("rope_freqs.weight", count: pairs)
    longContextFactors = try optionalVector("rope_factors_long.weight", count: pairs)
    shortContextFactors = try optionalVector("rope_factors_short.weight", count: pairs)
    if (longContextFactors == nil) != (shortContextFactors == nil) {
      throw .missingTensor(
        longContextFactors == nil ? "rope_factors_long.weight" : "rope_factors_short.weight")
    }

    let queryRows = config.queryDimension
    let keyValueRows = config.keyValueDimension
    let feedForward = config.feedForwardLength
    var layers: [LayerWeights] = []
    for index in 0..<config.layerCount {
      let prefix = "blk.\(index)."
      // Query, key and value: three tensors, or one with their rows in that order.
      let (query, key, value): (WeightMatrix, WeightMatrix, WeightMatrix)
      if file.tensor(named: prefix + "attn_qkv.weight") != nil {
        let name = prefix + "attn_qkv.weight"
        let fused = try matrix(name, rows: queryRows + 2 * keyValueRows, columns: dimension)
        query = fused.rows(0..<queryRows, name: name + " (query rows)")
        key = fused.rows(queryRows..<queryRows + keyValueRows, name: name + " (key rows)")
        value = fused.rows(
          queryRows + keyValueRows..<queryRows + 2 * keyValueRows, name: name + " (value rows)")
      } else {
        query = try matrix(prefix + "attn_q.weight", rows: queryRows, columns: dimension)
        key = try matrix(prefix + "attn_k.weight", rows: keyValueRows, columns: dimension)
        value = try matrix(prefix + "attn_v.weight", rows: keyValueRows, columns: dimension)
      }
      // Gate and up: two tensors, or one with the gate's rows first.
      let (gate, up): (WeightMatrix, WeightMatrix)
      if config.fusedGateUp {
        let name = prefix + "ffn_up.weight"
        let fused = try matrix(name, rows: 2 * feedForward, columns: dimension)
        gate = fused.rows(0..<feedForward, name: name + " (gate rows)")
        up = fused.rows(feedForward..<2 * feedForward, name: name + " (up rows)")
      } else {
        gate = try matrix(prefix + "ffn_gate.weight", rows: feedForward, columns: dimension)
        up = try matrix(prefix + "ffn_up.weight", rows: feedForward, columns: dimension)
      }
      let headNorms = config.normalizesQueryAndKey
      let outputNorms = config.normalizesBlockOutputs
      layers.append(
        LayerWeights(
          attentionNorm: try vector(prefix + "attn_norm.weight", count: dimension),
          query: query, key: key, value: value,
          queryBias: try optionalVector(prefix + "attn_q.bias", count: queryRows),
          keyBias: try optionalVector(prefix + "attn_k.bias", count: keyValueRows),
          valueBias: try optionalVector(prefix + "attn_v.bias", count: keyValueRows),
          queryNorm: headNorms
            ? try vector(prefix + "attn_q_norm.weight", count: config.headDimension) : nil,
          keyNorm: headNorms
            ? try vector(prefix + "attn_k_norm.weight", count: config.headDimension) : nil,
          attentionOutput: try matrix(
            prefix + "attn_output.weight", rows: dimension, columns: queryRows),
          postAttentionNorm: outputNorms
            ? try vector(prefix + "post_attention_norm.weight", count: dimension) : nil,
          feedForwardNorm: try vector(prefix + "ffn_norm.weight", count: dimension),
          gate: gate, up: up,
          down: try matrix(prefix + "ffn_down.weight", rows: dimension, columns: feedForward),
          postFeedForwardNorm: outputNorms
            ? try vector(prefix + "post_ffw_norm.weight", count: dimension) : nil))
    }
    self.layers = layers
    self.ownedVectors = owned
  }

  public var vocabularySize: Int { tokenEmbedding.rows }

  /// The divisors of the rotary frequencies for a context of `contextLength`
  /// positions, chosen as llama.cpp does: the file's `rope_freqs`, else
  /// LongRoPE's long factors beyond the original context and its short ones
  /// within it, else none.
  public func ropeFactors(contextLength: Int, config: ModelConfig) -> FloatVector? {
    if let ropeFrequencyFactors { return ropeFrequencyFactors }
    return contextLength > config.originalContextLength ? longContextFactors : shortContextFactors
  }

  deinit {
    for vector in ownedVectors { vector.deallocate() }
  }
}
