import GGUF
import Kernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The forward pass of a llama-family decoder: one token in, the logits of
/// the next one out, with the keys and values kept in the cache.
public final class Transformer: @unchecked Sendable {
  public let config: ModelConfig
  public let weights: Weights
  public let contextLength: Int
  public let pool: WorkerPool
  private let state: RunState

  public init(
    file: GGUFFile, contextLength requested: Int? = nil, threads: Int
  ) throws(ModelError) {
    config = try ModelConfig(file: file)
    weights = try Weights(file: file, config: config)
    contextLength = max(
      2, min(requested ?? config.trainedContextLength, config.trainedContextLength))
    pool = WorkerPool(threads: threads)
    state = RunState(
      config: config, vocabularySize: weights.vocabularySize, contextLength: contextLength)
  }

  public var vocabularySize: Int { weights.vocabularySize }

  /// How many prompt tokens the reference CPU runtime multiplies as one
  /// batch (its default micro-batch).
  public static let promptBatchLength = 512

  /// Whether attention sums its dot products in the order of a batched
  /// matrix product rather than one token's (see `prefill`).
  private var batchedAttention = false

  /// Runs `tokens` at positions from `position` on and returns the logits
  /// after the last, valid until the next call. The reference runtime
  /// multiplies a prompt's tokens as batches of up to `promptBatchLength`,
  /// whose attention products sum in another order than a single token's;
  /// running a prompt through here follows it, so greedy answers agree.
  public func prefill(_ tokens: ArraySlice<Int32>, from position: Int) -> UnsafeMutablePointer<
    Float
  > {
    precondition(!tokens.isEmpty)
    defer { batchedAttention = false }
    var logits = state.logits
    var batchStart = tokens.startIndex
    while batchStart < tokens.endIndex {
      let batchEnd = min(batchStart + Self.promptBatchLength, tokens.endIndex)
      batchedAttention = batchEnd - batchStart > 1
      for index in batchStart..<batchEnd {
        logits = forward(token: tokens[index], position: position + index - tokens.startIndex)
      }
      batchStart = batchEnd
    }
    return logits
  }

  /// Runs `token` at `position` (0-based, below `contextLength`) and returns
  /// the next-token logits, valid until the next call.
  public func forward(token: Int32, position: Int) -> UnsafeMutablePointer<Float> {
    precondition(position >= 0 && position < contextLength)
    precondition(token >= 0 && Int(token) < vocabularySize)
    let c = config
    let s = state
    let dimension = c.embeddingLength
    weights.tokenEmbedding.dequantizeRow(Int(token), into: s.x)
    computeRotation(position: position)

    for (layerIndex, layer) in weights.layers.enumerated() {
      // Attention: norm, project to q, k, v, rotate, cache, attend, project back.
      normalize(weight: layer.attentionNorm)
      multiply(layer.query, s.normalized, into: s.query, bias: layer.queryBias)
      storeKey(layer, layerIndex: layerIndex, position: position)
      storeValue(layer, layerIndex: layerIndex, position: position)
      for head in 0..<c.headCount { rotate(s.query + head * c.headDimension) }
      attend(layerIndex: layerIndex, position: position)
      multiply(layer.attentionOutput, s.attentionOutput, into: s.projected, bias: nil)
      VectorMath.add(s.x, s.projected, count: dimension)

      // Feed-forward: norm, SwiGLU, project back.
      normalize(weight: layer.feedForwardNorm)
      multiply(layer.gate, s.normalized, into: s.gate, bias: nil)
      multiply(layer.up, s.normalized, into: s.up, bias: nil, inputIsUnchanged: true)
      VectorMath.swiGLU(s.gate, s.up, count: c.feedForwardLength)
      multiply(layer.down, s.gate, into: s.projected, bias: nil)
      VectorMath.add(s.x, s.projected, count: dimension)
    }

    normalize(weight: weights.outputNorm)
    multiply(weights.output, s.normalized, into: s.logits, bias: nil)
    return s.logits
  }

  /// normalized = rmsNorm(x) * weight. Its 8-bit form is stale from here on,
  /// whichever product reads it first.
  private func normalize(weight: FloatVector) {
    VectorMath.rmsNorm(
      state.normalized, state.x, weight: weight.pointer, count: config.embeddingLength,
      epsilon: config.rmsEpsilon)
    state.quantizedSource = nil
  }

  /// output = matrix · input (+ bias), split over the worker threads.
  /// `inputIsUnchanged` says `input` was not written since the last product
  /// that read it, so its 8-bit form can be reused.
  private func multiply(
    _ matrix: WeightMatrix, _ input: UnsafeMutablePointer<Float>,
    into output: UnsafeMutablePointer<Float>, bias: FloatVector?, inputIsUnchanged: Bool = false
  ) {
    if matrix.takesQuantizedInput && !(inputIsUnchanged && state.quantizedSource == input) {
      state.quantized.quantize(input, count: matrix.columns)
      state.quantizedSource = input
    }
    let shared = Shared((input: UnsafePointer(input), output: output))
    let quantized = state.quantized
    pool.forEachRange(count: matrix.rows) { rows in
      matrix.multiply(shared.value.input, quantized, into: shared.value.output, rows: rows)
    }
    if let bias { VectorMath.add(output, bias.pointer, count: matrix.rows) }
  }

  /// Projects the normalized input (already quantized by the query product)
  /// to keys, rotates them and stores them at `position`. The projection
  /// lands in `projected`, free until the attention output.
  private func storeKey(_ layer: LayerWeights, layerIndex: Int, position: Int) {
    let c = config
    multiply(
      layer.key, state.normalized, into: state.projected, bias: layer.keyBias,
      inputIsUnchanged: true)
    let cache = state.keyCache + layerIndex * c.keyValueDimension * contextLength
    for head in 0..<c.keyValueHeadCount {
      let source = state.projected + head * c.headDimension
      rotate(source)
      let target = cache + (head * contextLength + position) * c.headDimension
      VectorMath.convert(source, toHalves: target, count: c.headDimension)
    }
  }

  /// Projects the normalized input to values and stores them in column
  /// `position` of the transposed value cache.
  private func storeValue(_ layer: LayerWeights, layerIndex: Int, position: Int) {
    let c = config
    let span = state.valueSpan
    multiply(
      layer.value, state.normalized, into: state.projected, bias: layer.valueBias,
      inputIsUnchanged: true)
    let cache = state.valueCache + layerIndex * c.keyValueDimension * span
    for row in 0..<c.keyValueDimension {
      cache[row * span + position] = Half.fromFloat(state.projected[row])
    }
  }

  /// Fills the cos/sin table for this position. The angle of pair i is
  /// position * base^(-2i/d), stepped by repeated multiplication as the
  /// reference runtime does, so both rotate by the same float angles.
  private func computeRotation(position: Int) {
    let pairs = config.headDimension / 2
    let step = powf(config.ropeBase, -2 / Float(config.headDimension))
    var theta = Float(position)
    for pair in 0..<pairs {
      var angle = theta * config.ropeScale
      if let factors = weights.ropeFrequencyFactors {
        angle = theta / factors.pointer[pair] * config.ropeScale
      }
      theta *= step
      state.rotation[pair] = cosf(angle)
      state.rotation[pairs + pair] = sinf(angle)
    }
  }

  /// Rotates one head's vector in place by the current position's angles.
  private func rotate(_ vector: UnsafeMutablePointer<Float>) {
    let pairs = config.headDimension / 2
    let cosines = state.rotation
    let sines = state.rotation + pairs
    for pair in 0..<pairs {
      let (first, second) =
        config.ropeLayout == .adjacent ? (2 * pair, 2 * pair + 1) : (pair, pair + pairs)
      let a = vector[first]
      let b = vector[second]
      // One product of each pair fused with the sum, as the reference
      // runtime's compiled rotation does.
      vector[first] = (-(b * sines[pair])).addingProduct(a, cosines[pair])
      vector[second] = (b * cosines[pair]).addingProduct(a, sines[pair])
    }
  }

  /// Scaled dot-product attention of every query head over positions
  /// 0...position. Query, keys, weights and values meet as halves, and the
  /// weights run on to the padded span with zeros.
  private func attend(layerIndex: Int, position: Int) {
    let c = config
    let length = contextLength
    let valueSpan = state.valueSpan
    let span = state.span(through: position)
    let group = c.headCount / c.keyValueHeadCount
    let scale = 1 / Float(c.headDimension).squareRoot()
    let keyOffset = layerIndex * c.keyValueDimension * length
    let valueOffset = layerIndex * c.keyValueDimension * valueSpan
    let batched = batchedAttention
    let s = Shared(state)
    pool.forEachRange(count: c.headCount, minimumPerThread: 1) { heads in
      let state = s.value
      for head in heads {
        let query = state.queryHalves + head * c.headDimension
        VectorMath.convert(
          state.query + head * c.headDimension, toHalves: query, count: c.headDimension)
        let keyValueHead = head / group
        let keys = state.keyCache + keyOffset + keyValueHead * length * c.headDimension
        let values = state.valueCache + valueOffset + keyValueHead * c.headDimension * valueSpan
        let scores = state.scores + head * length
        for time in 0...position {
          let key = keys + time * c.headDimension
          let score =
            batched
            ? VectorMath.laneDot(halves: key, query, count: c.headDimension)
            : VectorMath.dot(halves: key, query, count: c.headDimension)
          scores[time] = score * scale
        }
        VectorMath.softmax(scores, count: position + 1)
        let weights = state.weightHalves + head * valueSpan
        VectorMath.convert(scores, toHalves: weights, count: position + 1)
        (weights + position + 1).update(repeating: 0, count: span - position - 1)
        let output = state.attentionOutput + head * c.headDimension
        for dimension in 0..<c.headDimension {
          let row = values + dimension * valueSpan
          output[dimension] =
            batched
            ? VectorMath.laneDot(halves: row, weights, count: span)
            : VectorMath.dot(halves: row, weights, count: span)
        }
      }
    }
  }
}
