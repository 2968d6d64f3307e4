/// A quantized weight encoding as the block products read it: each block of
/// 32 weights unpacked to integer values (`BlockValues`) with its float
/// scale (and offset, for encodings that have one).
///
/// An encoding whose blocks hold more than 32 weights (the K-quants' super-
/// blocks of 256) is unpacked 32 weights at a time: `unpack` gets the block
/// and which run of 32 in it (`sub`, below `subBlocks`).
protocol BlockFormat {
  associatedtype Values: BlockValues
  static var blockBytes: Int { get }
  /// Runs of 32 weights in one block.
  static var subBlocks: Int { get }
  /// How the block's offset (its minimum) meets the activations.
  static var offsetTerm: OffsetTerm { get }
  /// Whether each half of a run of 32 has its own integer scale
  /// (`UnpackedBlock.laneScales`), applied to the integer sums.
  static var hasLaneScales: Bool { get }
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock<Values>
}

extension BlockFormat {
  static var subBlocks: Int { 1 }
  static var hasLaneScales: Bool { false }
}

/// How a block's offset term is added to its product.
enum OffsetTerm {
  /// No offset: the values are symmetric around zero.
  case none
  /// `offset` times the activations' half-rounded block sum, as the
  /// reference runtime sums its 32-element encodings with a minimum.
  case blockSum
  /// `halfOffsets` times the exact sums of the activations' two halves of
  /// 16, for encodings whose minimum is stored per 16 or 32 weights.
  case halfBlockSums
}

/// One block's weights as integers, and their factors.
struct UnpackedBlock<Values: BlockValues> {
  var values: Values
  var scale: Float
  var offset: Float
  /// The offset of each half of 16 weights (`OffsetTerm.halfBlockSums`).
  var halfOffsets = SIMD2<Float>()
  /// Integer scales of the four-product sums: lanes 0-3 cover elements
  /// 0-15, lanes 4-7 elements 16-31 (`BlockFormat.hasLaneScales`).
  var laneScales = SIMD8<Int32>()
}

/// The integer values of a run of 32 weights, in a layout made for
/// multiplying them with a quantized activation run. Both layouts are built
/// by the same operations, so each encoding's unpacking is written once.
protocol BlockValues {
  /// Lane i: the products of elements 4i...4i+3 with run `block` of
  /// `input`, summed exactly.
  func quadSums(_ input: QuantizedInput, block: Int) -> SIMD8<Int32>
}

/// How the encodings keep their values for the products: as bytes where
/// x86 multiplies bytes (`ByteValues`), else widened to 16 bits.
#if arch(x86_64) && AVX2
  typealias RunValues = ByteValues
#else
  typealias RunValues = WidenedValues
#endif

/// Values widened to 16-bit lanes and split by parity, as
/// `QuantizedVector.widened` splits the activations: `even` holds elements
/// 0, 2, ..., 14 then 16, ..., 30, `odd` the elements after each. Products
/// of pairs then fit 16 bits on every target.
struct WidenedValues: BlockValues {
  var even: SIMD16<Int16>
  var odd: SIMD16<Int16>

  /// 16 bytes of nibbles: byte i holds element i in its low half and
  /// element i + 16 in its high half. Two bytes are loaded as one 16-bit
  /// lane, so each nibble comes out already widened by a shift and a mask.
  @inline(__always)
  static func nibbles(_ bytes: UnsafeRawPointer) -> Self {
    let packed = bytes.loadUnaligned(as: SIMD8<UInt16>.self)
    let even = SIMD16(lowHalf: packed & 0x0F, highHalf: (packed &>> 4) & 0x0F)
    let odd = SIMD16(lowHalf: (packed &>> 8) & 0x0F, highHalf: packed &>> 12)
    // Nibbles fit Int16 as they are.
    return Self(
      even: unsafeBitCast(even, to: SIMD16<Int16>.self),
      odd: unsafeBitCast(odd, to: SIMD16<Int16>.self))
  }

  /// 32 bytes, element l in byte l: the bits `mask` selects after a shift
  /// right by `shift`. Loaded as 16 lanes of 16 bits, lane i holds elements
  /// 2i (low byte) and 2i + 1 (high byte), so each parity comes out by one
  /// uniform shift and mask.
  @inline(__always)
  static func fields(_ bytes: UnsafeRawPointer, shift: Int, mask: UInt8) -> Self {
    let packed = bytes.loadUnaligned(as: SIMD16<UInt16>.self)
    let amount = UInt16(truncatingIfNeeded: shift)
    let even = (packed &>> amount) & UInt16(mask)
    let odd = (packed &>> (amount &+ 8)) & UInt16(mask)
    return Self(
      even: unsafeBitCast(even, to: SIMD16<Int16>.self),
      odd: unsafeBitCast(odd, to: SIMD16<Int16>.self))
  }

  /// 32 signed bytes, loaded as 16-bit lanes and split by parity with
  /// shifts that extend the sign.
  @inline(__always)
  static func signedBytes(_ bytes: UnsafeRawPointer) -> Self {
    let pairs = bytes.loadUnaligned(as: SIMD16<Int16>.self)
    return Self(even: (pairs &<< 8) &>> 8, odd: pairs &>> 8)
  }

  /// Adds 16 to each element whose bit is set in `bits` (bit i for element
  /// i): the fifth bit of Q5_0 and Q5_1. Each lane tests its bit with its
  /// own mask; a masked 16-bit value is at most 0x8000, so adding 0x7FFF
  /// carries into the top bit exactly when the bit is set, which a fixed
  /// shift then moves to 16. No per-lane shift or comparison is needed.
  @inline(__always)
  func withFifthBits(_ bits: UInt32) -> Self {
    // Lanes 0-7 hold elements below 16 (bits of the low half), lanes 8-15
    // the elements 16 further on (the same bits of the high half).
    let spread = SIMD16(
      lowHalf: SIMD8<UInt16>(repeating: UInt16(truncatingIfNeeded: bits)),
      highHalf: SIMD8<UInt16>(repeating: UInt16(truncatingIfNeeded: bits >> 16)))
    // Lane by lane, not an array literal: that would build an array per call.
    let masks = SIMD8<UInt16>(0x1, 0x4, 0x10, 0x40, 0x100, 0x400, 0x1000, 0x4000)
    let evenMasks = SIMD16(lowHalf: masks, highHalf: masks)
    let evenFifth = (((spread & evenMasks) &+ 0x7FFF) &>> 11) & 0x10
    let oddFifth = (((spread & (evenMasks &<< 1)) &+ 0x7FFF) &>> 11) & 0x10
    return Self(
      even: even | unsafeBitCast(evenFifth, to: SIMD16<Int16>.self),
      odd: odd | unsafeBitCast(oddFifth, to: SIMD16<Int16>.self))
  }

  /// These values with `high`'s shifted left by `shift` and put above them.
  @inline(__always)
  func adding(_ high: Self, shiftedBy shift: Int16) -> Self {
    Self(even: even | high.even &<< shift, odd: odd | high.odd &<< shift)
  }

  @inline(__always)
  func subtracting(_ amount: Int16) -> Self {
    Self(even: even &- amount, odd: odd &- amount)
  }

  @inline(__always)
  func quadSums(_ input: QuantizedInput, block: Int) -> SIMD8<Int32> {
    let activations = UnsafeRawPointer(input.widened + block * 32)
    let pairs =
      even &* activations.loadUnaligned(as: SIMD16<Int16>.self)
      &+ odd &* activations.loadUnaligned(fromByteOffset: 32, as: SIMD16<Int16>.self)
    return Self.quadSums(pairs)
  }

  /// Sums of neighbouring pairs of 16-bit lanes, widened to 32 bits: lane i
  /// of the result is pairs[2i] + pairs[2i + 1]. Each pair lane already holds
  /// two consecutive products, so this is four consecutive products. The
  /// pairs fit 16 bits: activations stay within ±127 and no unpacked weight
  /// exceeds 128 in magnitude, so a pair is at most 2 × 128 × 127. Done by
  /// reinterpreting two 16-bit lanes as one 32-bit lane and taking its
  /// halves with sign-extending shifts, which every target has as plain
  /// vector instructions.
  @inline(__always)
  static func quadSums(_ pairs: SIMD16<Int16>) -> SIMD8<Int32> {
    let joined = unsafeBitCast(pairs, to: SIMD8<Int32>.self)
    return ((joined &<< 16) &>> 16) &+ (joined &>> 16)
  }
}

/// Q4_0: d, then 16 bytes of nibbles; value = d * (nibble - 8).
enum Q4_0Format: BlockFormat {
  static let blockBytes = 18
  static let offsetTerm = OffsetTerm.none
  @inline(__always)
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock<RunValues>
  {
    let scale = halves[block.loadUnaligned(as: UInt16.self)]
    return UnpackedBlock(
      values: RunValues.nibbles(block + 2).subtracting(8), scale: scale, offset: 0)
  }
}

/// Q4_1: d, m, then 16 bytes of nibbles; value = d * nibble + m.
enum Q4_1Format: BlockFormat {
  static let blockBytes = 20
  static let offsetTerm = OffsetTerm.blockSum
  @inline(__always)
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock<RunValues>
  {
    let factors = block.loadUnaligned(as: SIMD2<UInt16>.self)
    return UnpackedBlock(
      values: RunValues.nibbles(block + 4), scale: halves[factors[0]],
      offset: halves[factors[1]])
  }
}

/// Q8_0: d, then 32 signed bytes; value = d * byte.
enum Q8_0Format: BlockFormat {
  static let blockBytes = 34
  static let offsetTerm = OffsetTerm.none
  @inline(__always)
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock<RunValues>
  {
    let scale = halves[block.loadUnaligned(as: UInt16.self)]
    return UnpackedBlock(values: RunValues.signedBytes(block + 2), scale: scale, offset: 0)
  }
}
