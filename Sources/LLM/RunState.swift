import Kernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Every buffer the forward pass touches, allocated once for a context
/// length and never reallocated: nothing is allocated per token. The
/// per-token buffers hold `batchCapacity` tokens one after another, so a
/// prompt's tokens go through each layer together.
final class RunState {
  /// Prompt tokens that go through the layers together: enough that each
  /// weight block, once unpacked, meets several tokens; few enough that the
  /// buffers stay small on a board.
  static let batchCapacity = 32

  let x: UnsafeMutablePointer<Float>  // the residual stream (batch, embedding)
  let normalized: UnsafeMutablePointer<Float>  // x after a norm (batch, embedding)
  let attentionOutput: UnsafeMutablePointer<Float>  // heads concatenated (batch, query dimension)
  let projected: UnsafeMutablePointer<Float>  // a block's output before the residual add (batch, embedding)
  let query: UnsafeMutablePointer<Float>  // (batch, query dimension)
  let keys: UnsafeMutablePointer<Float>  // keys before the cache (batch, key/value dimension)
  let values: UnsafeMutablePointer<Float>  // values before the cache (batch, key/value dimension)
  let gate: UnsafeMutablePointer<Float>  // (batch, feed forward)
  let up: UnsafeMutablePointer<Float>  // (batch, feed forward)
  let scores: UnsafeMutablePointer<Float>  // attention weights of one token (heads, context)
  let logits: UnsafeMutablePointer<Float>  // (vocabulary)
  let rotation: UnsafeMutablePointer<Float>  // cos and sin per frequency for each token's position (batch, head size)
  /// The same for the sliding-window layers when they turn by another rope
  /// (Gemma 3's local layers); otherwise `rotation` itself.
  let localRotation: UnsafeMutablePointer<Float>
  /// Attention reads halves: the query per head (query dimension) and the
  /// weights per head over the padded span (heads, value span).
  let queryHalves: UnsafeMutablePointer<UInt16>
  let weightHalves: UnsafeMutablePointer<UInt16>
  /// Positions per value row: the context rounded up to `Self.spanMultiple`.
  let valueSpan: Int
  /// Keys are (layer, kv head, position, head size) in half precision: one
  /// position's key is contiguous for its dot product with the query.
  let keyCache: UnsafeMutablePointer<UInt16>
  /// Values are (layer, kv head, tile, head size, 32): each tile holds 32
  /// positions, and in it one dimension's values are contiguous over those
  /// positions for their dot product with the weights (`HalfRuns`). A tile
  /// is first touched when its first position is written, so a short
  /// conversation in a long context costs only the tiles it reaches.
  /// Unwritten positions stay 0.
  let valueCache: UnsafeMutablePointer<UInt16>
  /// Halves from one kv head's values to the next, and from one tile to
  /// the next.
  let valueHeadStride: Int
  let valueTileStride: Int
  let quantized: QuantizedVector
  private let allocations: [UnsafeMutablePointer<Float>]

  /// Attention spans are padded to a multiple of this with zero weights, as
  /// the reference CPU runtime pads its cache view: the padding decides which
  /// products its dot product sums in float lanes and which in double.
  /// The value cache's tiles hold as many positions, so a padded span is
  /// whole tiles.
  static let spanMultiple = HalfRuns.runLength

  /// Where the tile holding `position` starts in a kv head's values.
  func valueTile(of position: Int) -> Int {
    position / HalfRuns.runLength * valueTileStride
  }

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
    valueTileStride = config.headDimension * HalfRuns.runLength
    valueHeadStride = config.headDimension * valueSpan
    let batch = Self.batchCapacity
    x = buffer(batch * config.embeddingLength)
    normalized = buffer(batch * config.embeddingLength)
    attentionOutput = buffer(batch * config.queryDimension)
    projected = buffer(batch * config.embeddingLength)
    query = buffer(batch * config.queryDimension)
    keys = buffer(batch * config.keyValueDimension)
    values = buffer(batch * config.keyValueDimension)
    gate = buffer(batch * config.feedForwardLength)
    up = buffer(batch * config.feedForwardLength)
    scores = buffer(config.headCount * contextLength)
    logits = buffer(vocabularySize)
    rotation = buffer(batch * config.headDimension)
    if let window = config.slidingWindow, window.rope != config.rope {
      localRotation = buffer(batch * config.headDimension)
    } else {
      localRotation = rotation
    }
    keyCache = Self.zeroedHalves(cacheCount)
    valueCache = Self.zeroedHalves(valueCount)
    queryHalves = .allocate(capacity: config.queryDimension)
    queryHalves.initialize(repeating: 0, count: config.queryDimension)
    weightHalves = .allocate(capacity: config.headCount * valueSpan)
    weightHalves.initialize(repeating: 0, count: config.headCount * valueSpan)
    self.allocations = allocations
    quantized = QuantizedVector(
      capacity: max(config.embeddingLength, config.queryDimension, config.feedForwardLength),
      vectors: batch)
  }

  /// The caches are tens of megabytes: from `calloc` they come as fresh
  /// pages the system zeroes when first touched, so a model loads without
  /// writing them and the keys of unused positions take no memory.
  private static func zeroedHalves(_ count: Int) -> UnsafeMutablePointer<UInt16> {
    guard let memory = calloc(max(count, 1), MemoryLayout<UInt16>.stride) else {
      fatalError("out of memory for a \(count)-entry cache")
    }
    return memory.assumingMemoryBound(to: UInt16.self)
  }

  deinit {
    for pointer in allocations { pointer.deallocate() }
    free(keyCache)
    free(valueCache)
    queryHalves.deallocate()
    weightHalves.deallocate()
  }
}
