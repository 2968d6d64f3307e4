/// The five-bit encodings: Q4_0 and Q4_1's nibbles with a fifth bit per
/// weight kept apart in one 32-bit word, bit i for element i.

/// Q5_0: d, 32 fifth bits, 16 bytes of nibbles; value = d * (q - 16).
enum Q5_0Format: BlockFormat {
  static let blockBytes = 22
  static let offsetTerm = OffsetTerm.none
  @inline(__always)
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock
  {
    let (even, odd) = fiveBitLanes(
      nibbles: block + 6, fifthBits: block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
    let scale = halves[block.loadUnaligned(as: UInt16.self)]
    return UnpackedBlock(even: even &- 16, odd: odd &- 16, scale: scale, offset: 0)
  }
}

/// Q5_1: d, m, 32 fifth bits, 16 bytes of nibbles; value = d * q + m.
enum Q5_1Format: BlockFormat {
  static let blockBytes = 24
  static let offsetTerm = OffsetTerm.blockSum
  @inline(__always)
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock
  {
    let (even, odd) = fiveBitLanes(
      nibbles: block + 8, fifthBits: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
    let factors = block.loadUnaligned(as: SIMD2<UInt16>.self)
    return UnpackedBlock(
      even: even, odd: odd, scale: halves[factors[0]], offset: halves[factors[1]])
  }
}

/// The 32 five-bit values 0...31 in the even/odd split: `unpackNibbles`'
/// four bits with the fifth put above them. Each lane tests its fifth bit
/// with its own mask; a masked 16-bit value is at most 0x8000, so adding 0x7FFF
/// carries into the top bit exactly when the bit is set, which a fixed
/// shift then moves to 16. No per-lane shift or comparison is needed.
@inline(__always)
func fiveBitLanes(nibbles: UnsafeRawPointer, fifthBits: UInt32) -> (
  even: SIMD16<Int16>, odd: SIMD16<Int16>
) {
  let fourBits = unpackNibbles(nibbles, subtract: 0)
  // Lanes 0-7 hold elements below 16 (bits of the low half), lanes 8-15
  // the elements 16 further on (the same bits of the high half).
  let bits = SIMD16(
    lowHalf: SIMD8<UInt16>(repeating: UInt16(truncatingIfNeeded: fifthBits)),
    highHalf: SIMD8<UInt16>(repeating: UInt16(truncatingIfNeeded: fifthBits >> 16)))
  // Lane by lane, not an array literal: that would build an array per call.
  let masks = SIMD8<UInt16>(0x1, 0x4, 0x10, 0x40, 0x100, 0x400, 0x1000, 0x4000)
  let evenMasks = SIMD16(lowHalf: masks, highHalf: masks)
  let evenFifth = (((bits & evenMasks) &+ 0x7FFF) &>> 11) & 0x10
  let oddFifth = (((bits & (evenMasks &<< 1)) &+ 0x7FFF) &>> 11) & 0x10
  return (
    fourBits.even | unsafeBitCast(evenFifth, to: SIMD16<Int16>.self),
    fourBits.odd | unsafeBitCast(oddFifth, to: SIMD16<Int16>.self)
  )
}
