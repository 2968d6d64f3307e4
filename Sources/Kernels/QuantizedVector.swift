/// An activation vector quantized to 8 bits in blocks of 32, made once per
/// matrix product and reused by every row: the integer dot products against
/// 4- and 8-bit weights then need no float conversion per element.
///
/// Each block keeps its scale `d` (the largest magnitude / 127) and `d * Σq`,
/// both rounded through half precision as the reference CPU runtime stores
/// them, so greedy answers agree with it.
public final class QuantizedVector: @unchecked Sendable {
  public static let blockElements = 32
  public let capacity: Int
  public private(set) var count = 0
  public let quants: UnsafeMutablePointer<Int8>
  public let scales: UnsafeMutablePointer<Float>
  public let sums: UnsafeMutablePointer<Float>

  public init(capacity: Int) {
    let blocks = (capacity + Self.blockElements - 1) / Self.blockElements
    self.capacity = blocks * Self.blockElements
    quants = .allocate(capacity: self.capacity)
    scales = .allocate(capacity: blocks)
    sums = .allocate(capacity: blocks)
  }

  deinit {
    quants.deallocate()
    scales.deallocate()
    sums.deallocate()
  }

  /// Quantizes `count` floats (a multiple of 32).
  public func quantize(_ values: UnsafePointer<Float>, count: Int) {
    precondition(count % Self.blockElements == 0 && count <= capacity)
    self.count = count
    for block in 0..<count / Self.blockElements {
      let source = values + block * Self.blockElements
      let target = quants + block * Self.blockElements
      var largest: Float = 0
      for index in 0..<Self.blockElements { largest = max(largest, abs(source[index])) }
      let scale = largest / 127
      let inverse: Float = largest != 0 ? 127 / largest : 0
      var total: Int32 = 0
      for index in 0..<Self.blockElements {
        let quant = Int8((source[index] * inverse).rounded(.toNearestOrEven))
        target[index] = quant
        total &+= Int32(quant)
      }
      scales[block] = Half.toFloat(Half.fromFloat(scale))
      sums[block] = Half.toFloat(Half.fromFloat(scale * Float(total)))
    }
  }
}
