/// The five-bit encodings: Q4_0 and Q4_1's nibbles with a fifth bit per
/// weight kept apart in one 32-bit word, bit i for element i.

/// Q5_0: d, 32 fifth bits, 16 bytes of nibbles; value = d * (q - 16).
enum Q5_0Format: BlockFormat {
  static let blockBytes = 22
  static let offsetTerm = OffsetTerm.none
  @inline(__always)
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock<RunValues>
  {
    let values = RunValues.nibbles(block + 6)
      .withFifthBits(block.loadUnaligned(fromByteOffset: 2, as: UInt32.self)).subtracting(16)
    let scale = halves[block.loadUnaligned(as: UInt16.self)]
    return UnpackedBlock(values: values, scale: scale, offset: 0)
  }
}

/// Q5_1: d, m, 32 fifth bits, 16 bytes of nibbles; value = d * q + m.
enum Q5_1Format: BlockFormat {
  static let blockBytes = 24
  static let offsetTerm = OffsetTerm.blockSum
  @inline(__always)
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock<RunValues>
  {
    let values = RunValues.nibbles(block + 8)
      .withFifthBits(block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
    let factors = block.loadUnaligned(as: SIMD2<UInt16>.self)
    return UnpackedBlock(values: values, scale: halves[factors[0]], offset: halves[factors[1]])
  }
}
