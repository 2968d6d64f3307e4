#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import GGUF
import Kernels

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
    contextLength = max(1, min(requested ?? config.trainedContextLength, config.trainedContextLength))
    pool = WorkerPool(threads: threads)
    state = RunState(
      config: config, vocabularySize: weights.vocabularySize, contextLength: contextLength)
  }

  public var vocabularySize: Int { weights.vocabularySize }

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
      VectorMath.rmsNorm(
        s.normalized, s.x, weight: layer.attentionNorm.pointer, count: dimension,
        epsilon: c.rmsEpsilon)
      let cacheOffset = layerIndex * c.keyValueDimension * contextLength
      multiply(layer.query, s.normalized, into: s.query, bias: layer.queryBias)
      multiplyIntoCache(
        layer.key, bias: layer.keyBias, cache: s.keyCache + cacheOffset, position: position,
        rotate: true)
      multiplyIntoCache(
        layer.value, bias: layer.valueBias, cache: s.valueCache + cacheOffset, position: position,
        rotate: false)
      for head in 0..<c.headCount { rotate(s.query + head * c.headDimension) }
      attend(cacheOffset: cacheOffset, position: position)
      multiply(layer.attentionOutput, s.attentionOutput, into: s.projected, bias: nil)
      VectorMath.add(s.x, s.projected, count: dimension)

      // Feed-forward: norm, SwiGLU, project back.
      VectorMath.rmsNorm(
        s.normalized, s.x, weight: layer.feedForwardNorm.pointer, count: dimension,
        epsilon: c.rmsEpsilon)
      multiply(layer.gate, s.normalized, into: s.gate, bias: nil)
      multiply(layer.up, s.normalized, into: s.up, bias: nil, inputIsUnchanged: true)
      VectorMath.swiGLU(s.gate, s.up, count: c.feedForwardLength)
      multiply(layer.down, s.gate, into: s.projected, bias: nil)
      VectorMath.add(s.x, s.projected, count: dimension)
    }

    VectorMath.rmsNorm(
      s.normalized, s.x, weight: weights.outputNorm.pointer, count: dimension,
      epsilon: c.rmsEpsilon)
    multiply(weights.output, s.normalized, into: s.logits, bias: nil)
    return s.logits
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

  /// Projects the normalized input to keys or values and stores them in the
  /// cache at `position`, rotating keys. The normalized input is already quantized.
  private func multiplyIntoCache(
    _ matrix: WeightMatrix, bias: FloatVector?, cache: UnsafeMutablePointer<UInt16>,
    position: Int, rotate shouldRotate: Bool
  ) {
    let c = config
    // The query product quantized `normalized`; the projection lands in
    // `projected` (free until the attention output) and is scattered per head.
    multiply(matrix, state.normalized, into: state.projected, bias: bias, inputIsUnchanged: true)
    for head in 0..<c.keyValueHeadCount {
      let source = state.projected + head * c.headDimension
      if shouldRotate { rotate(source) }
      let target = cache + (head * contextLength + position) * c.headDimension
      VectorMath.convert(source, toHalves: target, count: c.headDimension)
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
      if let factors = weights.ropeFrequencyFactors { angle = theta / factors.pointer[pair] * config.ropeScale }
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
      vector[first] = a * cosines[pair] - b * sines[pair]
      vector[second] = a * sines[pair] + b * cosines[pair]
    }
  }

  /// Scaled dot-product attention of every query head over positions 0...position.
  private func attend(cacheOffset: Int, position: Int) {
    let c = config
    let length = contextLength
    let group = c.headCount / c.keyValueHeadCount
    let scale = 1 / Float(c.headDimension).squareRoot()
    let s = Shared(state)
    pool.forEachRange(count: c.headCount, minimumPerThread: 1) { heads in
      let state = s.value
      for head in heads {
        let query = state.query + head * c.headDimension
        // Scores and weights are taken at the cache's half precision.
        VectorMath.roundToHalf(query, count: c.headDimension)
        let keyValueHead = head / group
        let keys = state.keyCache + cacheOffset + keyValueHead * length * c.headDimension
        let values = state.valueCache + cacheOffset + keyValueHead * length * c.headDimension
        let scores = state.scores + head * length
        for time in 0...position {
          scores[time] =
            VectorMath.dot(query, halves: keys + time * c.headDimension, count: c.headDimension)
            * scale
        }
        VectorMath.softmax(scores, count: position + 1)
        VectorMath.roundToHalf(scores, count: position + 1)
        let output = state.attentionOutput + head * c.headDimension
        output.update(repeating: 0, count: c.headDimension)
        for time in 0...position {
          VectorMath.addScaled(
            output, halves: values + time * c.headDimension, scale: scores[time],
            count: c.headDimension)
        }
      }
    }
  }
}
