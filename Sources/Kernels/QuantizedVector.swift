/// Activation vectors quantized to 8 bits in blocks of 32, made once per
/// matrix product and reused by every row: the integer dot products against
/// 4- and 8-bit weights then need no float conversion per element. A prompt
/// is multiplied several tokens at a time, so this holds up to `vectors`
/// of them, one after another.
///
/// Each block keeps its scale `d` (the largest magnitude / 127) and `d * Σq`,
/// both rounded through half precision as the reference CPU runtime stores
/// them, so greedy answers agree with it.
///
/// The quants are also kept widened to 16 bits and split by parity, in the
/// order the 16-bit block products consume them (see `WidenedValues`): per block, the
/// even elements of its first 16, of its last 16, then the odd ones of each.
/// Every row of a product reads these, so the widening is done once, here.
public final class QuantizedVector: @unchecked Sendable {
  public static let blockElements = 32
  /// Elements per vector: the longest input, rounded up to whole blocks.
  public let capacity: Int
  public let vectors: Int
  public let quants: UnsafeMutablePointer<Int8>
  public let widened: UnsafeMutablePointer<Int16>
  public let scales: UnsafeMutablePointer<Float>
  public let sums: UnsafeMutablePointer<Float>
  /// Σq over each half of 16 quants, exact (two per block): the offset
  /// terms of encodings whose minimum is stored per 16 or 32 weights.
  public let halfSums: UnsafeMutablePointer<Float>

  public init(capacity: Int, vectors: Int = 1) {
    let blocks = (capacity + Self.blockElements - 1) / Self.blockElements
    self.capacity = blocks * Self.blockElements
    self.vectors = max(1, vectors)
    quants = .allocate(capacity: self.capacity * self.vectors)
    widened = .allocate(capacity: self.capacity * self.vectors)
    scales = .allocate(capacity: blocks * self.vectors)
    sums = .allocate(capacity: blocks * self.vectors)
    halfSums = .allocate(capacity: 2 * blocks * self.vectors)
  }

  deinit {
    quants.deallocate()
    widened.deallocate()
    scales.deallocate()
    sums.deallocate()
    halfSums.deallocate()
  }

  /// Where vector `vector`'s blocks are, for the block products.
  @inline(__always)
  public func input(_ vector: Int) -> QuantizedInput {
    let blocks = capacity / Self.blockElements
    return QuantizedInput(
      quants: quants + vector * capacity, widened: widened + vector * capacity,
      scales: scales + vector * blocks,
      sums: sums + vector * blocks, halfSums: halfSums + 2 * vector * blocks)
  }

  /// Quantizes `count` floats (a multiple of 32) into vector `vector`.
  public func quantize(_ values: UnsafePointer<Float>, count: Int, vector: Int = 0) {
    precondition(count % Self.blockElements == 0 && count <= capacity && vector < vectors)
    let blockCapacity = capacity / Self.blockElements
    for block in 0..<count / Self.blockElements {
      let source = values + block * Self.blockElements
      let target = quants + vector * capacity + block * Self.blockElements
      var largest: Float = 0
      for index in 0..<Self.blockElements { largest = max(largest, abs(source[index])) }
      let scale = largest / 127
      let inverse: Float = largest != 0 && largest.isFinite ? 127 / largest : 0
      var total: Int32 = 0
      var firstHalf: Int32 = 0
      for index in 0..<Self.blockElements {
        // A broken model's infinities and NaNs become 0 rather than a trap.
        let scaled = source[index] * inverse
        let quant = scaled.isNaN ? 0 : Int8(max(-127, min(127, scaled)).rounded(.toNearestOrEven))
        target[index] = quant
        total &+= Int32(quant)
        if index == 15 { firstHalf = total }
      }
      scales[vector * blockCapacity + block] = Half.toFloat(Half.fromFloat(scale))
      sums[vector * blockCapacity + block] = Half.toFloat(Half.fromFloat(scale * Float(total)))
      let halves = halfSums + 2 * (vector * blockCapacity + block)
      halves[0] = Float(firstHalf)
      halves[1] = Float(total - firstHalf)
      // Where the products multiply bytes (`RunValues`), nothing reads these.
      #if !(arch(x86_64) && AVX2)
        let split = widened + vector * capacity + block * Self.blockElements
        for index in 0..<8 {
          split[index] = Int16(target[2 * index])
          split[8 + index] = Int16(target[16 + 2 * index])
          split[16 + index] = Int16(target[2 * index + 1])
          split[24 + index] = Int16(target[17 + 2 * index])
        }
      #endif
    }
  }
}

/// One quantized vector's blocks as raw pointers, so the inner loops of
/// the products touch no reference counts.
public struct QuantizedInput {
  public let quants: UnsafePointer<Int8>
  public let widened: UnsafePointer<Int16>
  public let scales: UnsafePointer<Float>
  public let sums: UnsafePointer<Float>
  public let halfSums: UnsafePointer<Float>

  init(
    quants: UnsafeMutablePointer<Int8>, widened: UnsafeMutablePointer<Int16>,
    scales: UnsafeMutablePointer<Float>,
    sums: UnsafeMutablePointer<Float>, halfSums: UnsafeMutablePointer<Float>
  ) {
    self.quants = UnsafePointer(quants)
    self.widened = UnsafePointer(widened)
    self.scales = UnsafePointer(scales)
    self.sums = UnsafePointer(sums)
    self.halfSums = UnsafePointer(halfSums)
  }
}
