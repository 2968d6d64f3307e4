import Kernels

/// Every buffer the forward pass touches, allocated once for a context
/// length and never reallocated: nothing is allocated per token.
final class RunState {
  let x: UnsafeMutablePointer<Float>  // the residual stream (embedding)
  let normalized: UnsafeMutablePointer<Float>  // x after a norm (embedding)
  let attentionOutput: UnsafeMutablePointer<Float>  // heads concatenated (query dimension)
  let projected: UnsafeMutablePointer<Float>  // a block's output before the residual add; keys and values before the cache (max of both)
  let query: UnsafeMutablePointer<Float>  // (query dimension)
  let gate: UnsafeMutablePointer<Float>  // (feed forward)
  let up: UnsafeMutablePointer<Float>  // (feed forward)
  let scores: UnsafeMutablePointer<Float>  // attention weights (heads, context)
  let logits: UnsafeMutablePointer<Float>  // (vocabulary)
  let rotation: UnsafeMutablePointer<Float>  // cos and sin per frequency for one position (head size)
  /// Attention reads halves: the query per head (query dimension) and the
  /// weights per head over the padded span (heads, value span).
  let queryHalves: UnsafeMutablePointer<UInt16>
  let weightHalves: UnsafeMutablePointer<UInt16>
  /// Positions per value row: the context rounded up to `Self.spanMultiple`.
  let valueSpan: Int
  /// Keys are (layer, kv head, position, head size) in half precision: one
  /// position's key is contiguous for its dot product with the query.
  let keyCache: UnsafeMutablePointer<UInt16>
  /// Values are (layer, kv head, head size, value span): one dimension's
  /// values are contiguous over positions for their dot product with the
  /// weights. Unwritten positions stay 0.
  let valueCache: UnsafeMutablePointer<UInt16>
  let quantized: QuantizedVector
  /// Which buffer `quantized` holds, so products reading the same unchanged
  /// vector quantize it once.
  var quantizedSource: UnsafeMutablePointer<Float>?
  private let allocations: [UnsafeMutablePointer<Float>]

  /// Attention spans are padded to a multiple of this with zero weights, as
  /// the reference CPU runtime pads its cache view: the padding decides which
  /// products its dot product sums in float lanes and which in double.
  static let spanMultiple = 32

  /// The padded number of positions attended to at `position`.
  func span(through position: Int) -> Int {
    (position + Self.spanMultiple) / Self.spanMultiple * Self.spanMultiple
  }

  init(config: ModelConfig, vocabularySize: Int, contextLength: Int) {
    var allocations: [UnsafeMutablePointer<Float>] = []
    func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
      let pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
      pointer.initialize(repeating: 0, count: count)
      allocations.append(pointer)
      return pointer
    }
    let cacheCount = config.layerCount * config.keyValueDimension * contextLength
    valueSpan = (contextLength + Self.spanMultiple - 1) / Self.spanMultiple * Self.spanMultiple
    let valueCount = config.layerCount * config.keyValueDimension * valueSpan
    x = buffer(config.embeddingLength)
    normalized = buffer(config.embeddingLength)
    attentionOutput = buffer(config.queryDimension)
    projected = buffer(max(config.embeddingLength, config.keyValueDimension))
    query = buffer(config.queryDimension)
    gate = buffer(config.feedForwardLength)
    up = buffer(config.feedForwardLength)
    scores = buffer(config.headCount * contextLength)
    logits = buffer(vocabularySize)
    rotation = buffer(config.headDimension)
    keyCache = .allocate(capacity: cacheCount)
    keyCache.initialize(repeating: 0, count: cacheCount)
    valueCache = .allocate(capacity: valueCount)
    valueCache.initialize(repeating: 0, count: valueCount)
    queryHalves = .allocate(capacity: config.queryDimension)
    queryHalves.initialize(repeating: 0, count: config.queryDimension)
    weightHalves = .allocate(capacity: config.headCount * valueSpan)
    weightHalves.initialize(repeating: 0, count: config.headCount * valueSpan)
    self.allocations = allocations
    quantized = QuantizedVector(
      capacity: max(config.embeddingLength, config.queryDimension, config.feedForwardLength))
  }

  deinit {
    for pointer in allocations { pointer.deallocate() }
    keyCache.deallocate()
    valueCache.deallocate()
    queryHalves.deallocate()
    weightHalves.deallocate()
  }
}
