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
  /// The divisors of the rotary frequencies for this context, if any.
  private let ropeFactors: FloatVector?

  public init(
    file: GGUFFile, contextLength requested: Int? = nil, threads: Int
  ) throws(ModelError) {
    config = try ModelConfig(file: file)
    weights = try Weights(file: file, config: config)
    contextLength = max(
      2, min(requested ?? config.trainedContextLength, config.trainedContextLength))
    ropeFactors = weights.ropeFactors(contextLength: contextLength, config: config)
    pool = WorkerPool(threads: threads)
    state = RunState(
      config: config, vocabularySize: weights.vocabularySize, contextLength: contextLength)
  }

  public var vocabularySize: Int { weights.vocabularySize }

  /// How many prompt tokens the reference CPU runtime multiplies as one
  /// batch (its default micro-batch).
  public static let promptBatchLength = 512

  /// Runs `tokens` at positions from `position` on and returns the logits
  /// after the last, valid until the next call. The reference runtime
  /// multiplies a prompt's tokens as batches of up to `promptBatchLength`,
  /// whose attention products sum in another order than a single token's;
  /// running a prompt through here follows it, so greedy answers agree.
  /// The tokens go through the layers `RunState.batchCapacity` at a time.
  public func prefill(_ tokens: ArraySlice<Int32>, from position: Int) -> UnsafeMutablePointer<
    Float
  > {
    precondition(!tokens.isEmpty)
    tokens.withUnsafeBufferPointer { tokens in
      var batchStart = 0
      while batchStart < tokens.count {
        let batchEnd = min(batchStart + Self.promptBatchLength, tokens.count)
        var start = batchStart
        while start < batchEnd {
          let end = min(start + RunState.batchCapacity, batchEnd)
          run(
            UnsafeBufferPointer(rebasing: tokens[start..<end]), from: position + start,
            batchedAttention: batchEnd - batchStart > 1, logits: end == tokens.count)
          start = end
        }
        batchStart = batchEnd
      }
    }
    return state.logits
  }

  /// Runs `token` at `position` (0-based, below `contextLength`) and returns
  /// the next-token logits, valid until the next call.
  public func forward(token: Int32, position: Int) -> UnsafeMutablePointer<Float> {
    withUnsafePointer(to: token) { token in
      run(
        UnsafeBufferPointer(start: token, count: 1), from: position, batchedAttention: false,
        logits: true)
    }
    return state.logits
  }

  /// The forward pass of up to `RunState.batchCapacity` tokens at
  /// consecutive positions: each layer's products take all of them at once;
  /// the logits, when asked for, are those after the last token.
  private func run(
    _ tokens: UnsafeBufferPointer<Int32>, from position: Int, batchedAttention: Bool,
    logits: Bool
  ) {
    let count = tokens.count
    precondition(count > 0 && count <= RunState.batchCapacity)
    precondition(position >= 0 && position + count <= contextLength)
    let c = config
    let s = state
    let dimension = c.embeddingLength
    for (index, token) in tokens.enumerated() {
      precondition(token >= 0 && Int(token) < vocabularySize)
      let x = s.x + index * dimension
      weights.tokenEmbedding.dequantizeRow(Int(token), into: x)
      if let scale = c.embeddingScale { VectorMath.scale(x, by: scale, count: dimension) }
      let offset = index * c.headDimension
      computeRotation(c.rope, position: position + index, into: s.rotation + offset)
      if s.localRotation != s.rotation, let local = c.slidingWindow?.rope {
        computeRotation(local, position: position + index, into: s.localRotation + offset)
      }
    }

    for (layerIndex, layer) in weights.layers.enumerated() {
      let window = c.window(layer: layerIndex)
      let rotations = window == nil ? s.rotation : s.localRotation

      // Attention: norm, project to q, k, v, normalize and rotate each
      // head, cache, attend, project back, (norm,) add.
      normalize(count, weight: layer.attentionNorm)
      multiply(
        s.normalized, count,
        Product(layer.query, into: s.query, bias: layer.queryBias),
        Product(layer.key, into: s.keys, bias: layer.keyBias),
        Product(layer.value, into: s.values, bias: layer.valueBias))
      for index in 0..<count {
        let rotation = rotations + index * c.headDimension
        for head in 0..<c.headCount {
          let query = s.query + index * c.queryDimension + head * c.headDimension
          if let norm = layer.queryNorm { normalizeHead(query, weight: norm) }
          rotate(query, by: rotation)
        }
        store(
          layerIndex: layerIndex, index: index, position: position + index, rotation: rotation,
          keyNorm: layer.keyNorm)
      }
      for index in 0..<count {
        attend(
          layerIndex: layerIndex, position: position + index, window: window,
          query: s.query + index * c.queryDimension,
          output: s.attentionOutput + index * c.queryDimension, batched: batchedAttention)
      }
      multiply(s.attentionOutput, count, Product(layer.attentionOutput, into: s.projected))
      addToResidual(count, normalizedBy: layer.postAttentionNorm)

      // Feed-forward: norm, gated activation, project back, (norm,) add.
      normalize(count, weight: layer.feedForwardNorm)
      multiply(
        s.normalized, count, Product(layer.gate, into: s.gate), Product(layer.up, into: s.up))
      for index in 0..<count {
        let offset = index * c.feedForwardLength
        switch c.gateActivation {
        case .silu: VectorMath.swiGLU(s.gate + offset, s.up + offset, count: c.feedForwardLength)
        case .gelu: VectorMath.geGLU(s.gate + offset, s.up + offset, count: c.feedForwardLength)
        }
      }
      multiply(s.gate, count, Product(layer.down, into: s.projected))
      addToResidual(count, normalizedBy: layer.postFeedForwardNorm)
    }

    guard logits else { return }
    // Only the last token's logits are wanted.
    VectorMath.rmsNorm(
      s.normalized, s.x + (count - 1) * dimension, weight: weights.outputNorm.pointer,
      count: dimension, epsilon: c.rmsEpsilon)
    multiply(s.normalized, 1, Product(weights.output, into: s.logits))
    if let cap = c.finalSoftCap { VectorMath.softCap(s.logits, count: vocabularySize, cap: cap) }
  }

  /// normalized = rmsNorm(x) * weight for `count` tokens.
  private func normalize(_ count: Int, weight: FloatVector) {
    let dimension = config.embeddingLength
    for index in 0..<count {
      VectorMath.rmsNorm(
        state.normalized + index * dimension, state.x + index * dimension,
        weight: weight.pointer, count: dimension, epsilon: config.rmsEpsilon)
    }
  }

  /// x += projected for `count` tokens, the block's output normalized first
  /// when the model has a norm there (Gemma's post-norms).
  private func addToResidual(_ count: Int, normalizedBy norm: FloatVector?) {
    let dimension = config.embeddingLength
    if let norm {
      for index in 0..<count {
        let projected = state.projected + index * dimension
        VectorMath.rmsNorm(
          projected, projected, weight: norm.pointer, count: dimension,
          epsilon: config.rmsEpsilon)
      }
    }
    VectorMath.add(state.x, state.projected, count: count * dimension)
  }

  /// One head's query or key, RMS-normalized in place (Qwen 3, Gemma 3).
  private func normalizeHead(_ head: UnsafeMutablePointer<Float>, weight: FloatVector) {
    VectorMath.rmsNorm(
      head, head, weight: weight.pointer, count: config.headDimension, epsilon: config.rmsEpsilon)
  }

  /// One matrix product of a layer: where its output goes and its bias.
  private struct Product {
    let matrix: WeightMatrix
    let output: UnsafeMutablePointer<Float>
    let bias: FloatVector?

    init(_ matrix: WeightMatrix, into output: UnsafeMutablePointer<Float>, bias: FloatVector? = nil)
    {
      self.matrix = matrix
      self.output = output
      self.bias = bias
    }
  }

  /// output = matrix · input (+ bias) for `count` tokens' inputs, for up to
  /// three products that read the same input (all with as many columns as
  /// it has). The input is quantized once for all of them, and their rows
  /// are split over the worker threads as one piece of work, so the threads
  /// meet once.
  private func multiply(
    _ input: UnsafeMutablePointer<Float>, _ count: Int, _ first: Product,
    _ second: Product? = nil, _ third: Product? = nil
  ) {
    let quantized = state.quantized
    let columns = first.matrix.columns
    func takesQuantized(_ product: Product?) -> Bool {
      product?.matrix.takesQuantizedInput == true
    }
    if takesQuantized(first) || takesQuantized(second) || takesQuantized(third) {
      for index in 0..<count {
        quantized.quantize(input + index * columns, count: columns, vector: index)
      }
    }
    let firstRows = first.matrix.rows
    let secondRows = second?.matrix.rows ?? 0
    let totalRows = firstRows + secondRows + (third?.matrix.rows ?? 0)
    let shared = Shared((input: UnsafePointer(input), first: first, second: second, third: third))
    pool.forEachRange(count: totalRows) { rows in
      let products = shared.value
      func run(_ product: Product?, from start: Int) {
        guard let product else { return }
        let overlap = rows.clamped(to: start..<start + product.matrix.rows)
        guard !overlap.isEmpty else { return }
        product.matrix.multiply(
          products.input, quantized, count: count, into: product.output,
          rows: overlap.lowerBound - start..<overlap.upperBound - start)
      }
      run(products.first, from: 0)
      run(products.second, from: firstRows)
      run(products.third, from: firstRows + secondRows)
    }
    func addBias(_ product: Product?) {
      guard let product, let bias = product.bias else { return }
      for index in 0..<count {
        VectorMath.add(
          product.output + index * product.matrix.rows, bias.pointer, count: product.matrix.rows)
      }
    }
    addBias(first)
    addBias(second)
    addBias(third)
  }

  /// Normalizes (if the model does) and rotates token `index`'s keys, then
  /// stores its keys and values at `position`: keys contiguous per position,
  /// values transposed so each dimension runs over positions (in tiles of
  /// 32 positions, see `RunState.valueCache`).
  private func store(
    layerIndex: Int, index: Int, position: Int, rotation: UnsafePointer<Float>,
    keyNorm: FloatVector?
  ) {
    let c = config
    let keyCache = state.keyCache + layerIndex * c.keyValueDimension * contextLength
    let valueCache = state.valueCache + layerIndex * c.keyValueDimension * state.valueSpan
    let keys = state.keys + index * c.keyValueDimension
    let values = state.values + index * c.keyValueDimension
    for head in 0..<c.keyValueHeadCount {
      let source = keys + head * c.headDimension
      if let keyNorm { normalizeHead(source, weight: keyNorm) }
      rotate(source, by: rotation)
      let target = keyCache + (head * contextLength + position) * c.headDimension
      VectorMath.convert(source, toHalves: target, count: c.headDimension)
    }
    let tile = state.valueTile(of: position)
    let column = position % HalfRuns.runLength
    for head in 0..<c.keyValueHeadCount {
      let target = valueCache + state.valueHeadStride * head + tile + column
      let source = values + head * c.headDimension
      for dimension in 0..<c.headDimension {
        target[dimension * HalfRuns.runLength] = Half.fromFloat(source[dimension])
      }
    }
  }

  /// Fills a cos/sin table for a position. The angle of pair i is
  /// position * base^(-2i/d), stepped by repeated multiplication as the
  /// reference runtime does, so both rotate by the same float angles.
  private func computeRotation(
    _ rope: Rope, position: Int, into rotation: UnsafeMutablePointer<Float>
  ) {
    let pairs = config.headDimension / 2
    let step = powf(rope.base, -2 / Float(config.headDimension))
    let magnitude = config.ropeAttentionFactor
    var theta = Float(position)
    for pair in 0..<pairs {
      var angle = theta * rope.scale
      if let factors = ropeFactors {
        angle = theta / factors.pointer[pair] * rope.scale
      }
      theta *= step
      rotation[pair] = cosf(angle) * magnitude
      rotation[pairs + pair] = sinf(angle) * magnitude
    }
  }

  /// Rotates one head's vector in place by a position's angles.
  private func rotate(_ vector: UnsafeMutablePointer<Float>, by rotation: UnsafePointer<Float>) {
    let pairs = config.headDimension / 2
    let cosines = rotation
    let sines = rotation + pairs
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
  /// 0...position, or the last `window` of them. Query, keys, weights and
  /// values meet as halves, and the weights run on to the padded span with
  /// zeros. `batched` sums the dot products as the reference runtime's
  /// batched matrix product does.
  private func attend(
    layerIndex: Int, position: Int, window: Int?, query: UnsafeMutablePointer<Float>,
    output: UnsafeMutablePointer<Float>, batched: Bool
  ) {
    let c = config
    let length = contextLength
    let span = state.span(through: position)
    // The first position attended to; whole runs of `spanMultiple` before it
    // are left out of the value products, the rest get zero weights.
    let first = window.map { max(0, position - $0 + 1) } ?? 0
    let skipped = first / RunState.spanMultiple * RunState.spanMultiple
    let attended = position - first + 1
    let group = c.headCount / c.keyValueHeadCount
    let scale = c.attentionScale
    let softCap = c.attentionSoftCap
    let keyOffset = layerIndex * c.keyValueDimension * length
    let valueOffset = layerIndex * c.keyValueDimension * state.valueSpan
    let s = Shared((state: state, query: query, output: output))
    pool.forEachRange(count: c.headCount, minimumPerThread: 1) { heads in
      let state = s.value.state
      for head in heads {
        let query = state.queryHalves + head * c.headDimension
        VectorMath.convert(
          s.value.query + head * c.headDimension, toHalves: query, count: c.headDimension)
        let keyValueHead = head / group
        let keys = state.keyCache + keyOffset + keyValueHead * length * c.headDimension
        // Each dimension's values from `skipped` on, tile after tile.
        let values = HalfRuns(
          state.valueCache + valueOffset + keyValueHead * state.valueHeadStride
            + state.valueTile(of: skipped),
          runStride: state.valueTileStride)
        let scores = state.scores + head * length
        for time in first...position {
          let key = keys + time * c.headDimension
          let score =
            batched
            ? VectorMath.laneDot(halves: HalfRuns(key), query, count: c.headDimension)
            : VectorMath.dot(halves: HalfRuns(key), query, count: c.headDimension)
          scores[time] = score * scale
        }
        if let softCap { VectorMath.softCap(scores + first, count: attended, cap: softCap) }
        VectorMath.softmax(scores + first, count: attended)
        let weights = state.weightHalves + head * state.valueSpan
        (weights + skipped).update(repeating: 0, count: first - skipped)
        VectorMath.convert(scores + first, toHalves: weights + first, count: attended)
        (weights + position + 1).update(repeating: 0, count: span - position - 1)
        let output = s.value.output + head * c.headDimension
        if batched {
          for dimension in 0..<c.headDimension {
            output[dimension] = VectorMath.laneDot(
              halves: values.advanced(by: dimension * HalfRuns.runLength), weights + skipped,
              count: span - skipped)
          }
        } else {
          VectorMath.dot(
            halfRows: values, stride: HalfRuns.runLength, rowCount: c.headDimension,
            weights + skipped, count: span - skipped, into: output)
        }
      }
    }
  }
}
