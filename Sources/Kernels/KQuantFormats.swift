/// The K-quant encodings: super-blocks of 256 weights sharing a half-precision
/// scale (and minimum scale), each run of 32 or 16 weights with its own small
/// integer scale. The products unpack them 32 weights at a time into the
/// same `UnpackedBlock` of `RunValues` the 32-element encodings use:
///
/// - a scale per 32 (Q4_K, Q5_K) goes into the float `scale`;
/// - a scale per 16 (Q2_K, Q3_K, Q6_K) goes into `laneScales`, applied to
///   the integer four-product sums;
/// - a minimum (Q2_K, Q4_K, Q5_K) becomes `halfOffsets`, met by the
///   activations' exact half-block sums.
///
/// Unpacked weights stay within -32...31 (Q6_K's range is the widest), which
/// keeps every pair of products inside 16 bits (see `WidenedValues.quadSums`).
///
/// Within a super-block the quants of runs 2k and 2k + 1 (or four runs for
/// two-bit fields) share bytes: 32 bytes hold element l of each of those
/// runs in different bits, element l in byte l (`RunValues.fields`).

/// The six-bit scale and minimum of run `sub` (0...7) in Q4_K and Q5_K's
/// 12 bytes: runs 0-3 keep theirs in the low six bits of bytes 0-3 (scale)
/// and 4-7 (minimum); runs 4-7 keep the low four bits in bytes 8-11 (scale
/// low, minimum high) and the top two in the spare top bits of bytes 0-7.
@inline(__always)
func sixBitScaleAndMinimum(_ bytes: UnsafeRawPointer, sub: Int) -> (scale: Int, minimum: Int) {
  func byte(_ index: Int) -> Int { Int(bytes.load(fromByteOffset: index, as: UInt8.self)) }
  if sub < 4 { return (byte(sub) & 63, byte(sub + 4) & 63) }
  return (
    (byte(sub + 4) & 0xF) | (byte(sub - 4) >> 6) << 4,
    (byte(sub + 4) >> 4) | (byte(sub) >> 6) << 4
  )
}

/// Run `sub` of a Q4_K or Q5_K block with its unsigned quants: the
/// super-block's d times the run's scale, and its dmin times the run's
/// minimum taken off through the activations' half-block sums.
@inline(__always)
private func scaledWithMinimum(
  _ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder, values: RunValues
) -> UnpackedBlock<RunValues> {
  let factors = block.loadUnaligned(as: SIMD2<UInt16>.self)
  let (scale, minimum) = sixBitScaleAndMinimum(block + 4, sub: sub)
  return UnpackedBlock(
    values: values,
    scale: halves[factors[0]] * Float(scale), offset: 0,
    halfOffsets: SIMD2(repeating: -halves[factors[1]] * Float(minimum)))
}

/// Q4_K: d, dmin, 12 bytes of six-bit scales and minimums, 128 bytes of
/// nibbles (runs 2k and 2k + 1 share 32 bytes: low and high nibble);
/// value = d * scale * q - dmin * minimum.
enum Q4_KFormat: BlockFormat {
  static let blockBytes = 144
  static let subBlocks = 8
  static let offsetTerm = OffsetTerm.halfBlockSums
  @inline(__always)
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock<RunValues>
  {
    let quants = RunValues.fields(block + 16 + 32 * (sub >> 1), shift: 4 * (sub & 1), mask: 0xF)
    return scaledWithMinimum(block, sub: sub, halves: halves, values: quants)
  }
}

/// Q5_K: Q4_K with 32 bytes of fifth bits before the nibbles: bit `sub` of
/// byte l is the fifth bit of element l of run `sub`.
enum Q5_KFormat: BlockFormat {
  static let blockBytes = 176
  static let subBlocks = 8
  static let offsetTerm = OffsetTerm.halfBlockSums
  @inline(__always)
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock<RunValues>
  {
    let low = RunValues.fields(block + 48 + 32 * (sub >> 1), shift: 4 * (sub & 1), mask: 0xF)
    let high = RunValues.fields(block + 16, shift: sub, mask: 1)
    return scaledWithMinimum(
      block, sub: sub, halves: halves, values: low.adding(high, shiftedBy: 4))
  }
}

/// Q6_K: 128 bytes of low nibbles, 64 bytes of two-bit high parts, 16
/// signed scales (one per 16 weights), d; value = d * scale * (q - 32).
/// Each half of 128 weights has its own 64 nibble bytes and 32 high bytes:
/// run t of a half takes nibbles from bytes 32 * (t % 2) on (low nibble for
/// t < 2, high for t >= 2) and bits 2t, 2t + 1 of the high bytes.
enum Q6_KFormat: BlockFormat {
  static let blockBytes = 210
  static let subBlocks = 8
  static let offsetTerm = OffsetTerm.none
  static let hasLaneScales = true
  @inline(__always)
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock<RunValues>
  {
    let half = sub >> 2
    let run = sub & 3
    let low = RunValues.fields(
      block + 64 * half + 32 * (run & 1), shift: 4 * (run >> 1), mask: 0xF)
    let high = RunValues.fields(block + 128 + 32 * half, shift: 2 * run, mask: 3)
    let scales = block.loadUnaligned(fromByteOffset: 192 + 2 * sub, as: SIMD2<Int8>.self)
    return UnpackedBlock(
      values: low.adding(high, shiftedBy: 4).subtracting(32),
      scale: halves[block.loadUnaligned(fromByteOffset: 208, as: UInt16.self)], offset: 0,
      laneScales: SIMD8(
        lowHalf: SIMD4(repeating: Int32(scales[0])), highHalf: SIMD4(repeating: Int32(scales[1]))))
  }
}

/// Q3_K: 32 bytes of high bits, 64 bytes of two-bit low parts, 12 bytes of
/// sixteen six-bit scales, d; value = d * (scale - 32) * (q - 4), where q's
/// third bit is bit `sub` of the high byte. Each half of 128 weights has its
/// own 32 low bytes; run t of a half takes bits 2t, 2t + 1 of them.
enum Q3_KFormat: BlockFormat {
  static let blockBytes = 110
  static let subBlocks = 8
  static let offsetTerm = OffsetTerm.none
  static let hasLaneScales = true
  @inline(__always)
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock<RunValues>
  {
    let low = RunValues.fields(block + 32 + 32 * (sub >> 2), shift: 2 * (sub & 3), mask: 3)
    let high = RunValues.fields(block, shift: sub, mask: 1)
    let first = Int32(q3KScale(block + 96, 2 * sub)) - 32
    let second = Int32(q3KScale(block + 96, 2 * sub + 1)) - 32
    return UnpackedBlock(
      values: low.adding(high, shiftedBy: 2).subtracting(4),
      scale: halves[block.loadUnaligned(fromByteOffset: 108, as: UInt16.self)], offset: 0,
      laneScales: SIMD8(lowHalf: SIMD4(repeating: first), highHalf: SIMD4(repeating: second)))
  }
}

/// Scale `index` (0...15, unsigned six bits) of Q3_K's 12 bytes: the low
/// four bits are the low nibbles of bytes 0-7 for scales 0-7 and their high
/// nibbles for scales 8-15; the top two bits are bits 2 * (index / 4) and
/// up of byte 8 + index % 4.
@inline(__always)
func q3KScale(_ bytes: UnsafeRawPointer, _ index: Int) -> Int {
  let lowByte = Int(bytes.load(fromByteOffset: index & 7, as: UInt8.self))
  let low = index < 8 ? lowByte & 0xF : lowByte >> 4
  let highByte = Int(bytes.load(fromByteOffset: 8 + (index & 3), as: UInt8.self))
  return low | ((highByte >> (2 * (index >> 2))) & 3) << 4
}

/// Q2_K: 16 bytes of four-bit scale (low) and minimum (high) per 16
/// weights, 64 bytes of two-bit quants, d, dmin;
/// value = d * scale * q - dmin * minimum. Each half of 128 weights has its
/// own 32 quant bytes; run t of a half takes bits 2t, 2t + 1 of them.
enum Q2_KFormat: BlockFormat {
  static let blockBytes = 84
  static let subBlocks = 8
  static let offsetTerm = OffsetTerm.halfBlockSums
  static let hasLaneScales = true
  @inline(__always)
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock<RunValues>
  {
    let quants = RunValues.fields(block + 16 + 32 * (sub >> 2), shift: 2 * (sub & 3), mask: 3)
    let scales = block.loadUnaligned(fromByteOffset: 2 * sub, as: SIMD2<UInt8>.self)
    let factors = block.loadUnaligned(fromByteOffset: 80, as: SIMD2<UInt16>.self)
    let minimumScale = -halves[factors[1]]
    return UnpackedBlock(
      values: quants, scale: halves[factors[0]], offset: 0,
      halfOffsets: SIMD2(
        minimumScale * Float(scales[0] >> 4), minimumScale * Float(scales[1] >> 4)),
      laneScales: SIMD8(
        lowHalf: SIMD4(repeating: Int32(scales[0] & 0xF)),
        highHalf: SIMD4(repeating: Int32(scales[1] & 0xF))))
  }
}
