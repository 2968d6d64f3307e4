import Kernels

/// Every buffer the forward pass touches, allocated once for a context
/// length and never reallocated: nothing is allocated per token.
final class RunState {
  let x: UnsafeMutablePointer<Float>  // the residual stream (embedding)
  let normalized: UnsafeMutablePointer<Float>  // x after a norm (embedding)
  let attentionOutput: UnsafeMutablePointer<Float>  // heads concatenated (query dimension)
  let projected: UnsafeMutablePointer<Float>  // a block's output before the residual add (embedding)
  let query: UnsafeMutablePointer<Float>  // (query dimension)
  let gate: UnsafeMutablePointer<Float>  // (feed forward)
  let up: UnsafeMutablePointer<Float>  // (feed forward)
  let scores: UnsafeMutablePointer<Float>  // attention weights (heads, context)
  let logits: UnsafeMutablePointer<Float>  // (vocabulary)
  let rotation: UnsafeMutablePointer<Float>  // cos and sin per frequency for one position (head size)
  /// (layer, kv head, position, head size) in half precision: one head's
  /// keys are contiguous over positions, the order the attention loop reads them.
  let keyCache: UnsafeMutablePointer<UInt16>
  let valueCache: UnsafeMutablePointer<UInt16>
  let quantized: QuantizedVector
  /// Which buffer `quantized` holds, so products reading the same unchanged
  /// vector quantize it once.
  var quantizedSource: UnsafeMutablePointer<Float>?
  private let allocations: [UnsafeMutablePointer<Float>]

  init(config: ModelConfig, vocabularySize: Int, contextLength: Int) {
    var allocations: [UnsafeMutablePointer<Float>] = []
    func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
      let pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
      pointer.initialize(repeating: 0, count: count)
      allocations.append(pointer)
      return pointer
    }
    let cacheCount = config.layerCount * config.keyValueDimension * contextLength
    x = buffer(config.embeddingLength)
    normalized = buffer(config.embeddingLength)
    attentionOutput = buffer(config.queryDimension)
    projected = buffer(config.embeddingLength)
    query = buffer(config.queryDimension)
    gate = buffer(config.feedForwardLength)
    up = buffer(config.feedForwardLength)
    scores = buffer(config.headCount * contextLength)
    logits = buffer(vocabularySize)
    rotation = buffer(config.headDimension)
    keyCache = .allocate(capacity: cacheCount)
    keyCache.initialize(repeating: 0, count: cacheCount)
    valueCache = .allocate(capacity: cacheCount)
    valueCache.initialize(repeating: 0, count: cacheCount)
    self.allocations = allocations
    quantized = QuantizedVector(
      capacity: max(config.embeddingLength, config.queryDimension, config.feedForwardLength))
  }

  deinit {
    for pointer in allocations { pointer.deallocate() }
    keyCache.deallocate()
    valueCache.deallocate()
  }
}
