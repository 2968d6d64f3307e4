/// A quantized weight encoding as the block products read it: each block of
/// 32 weights unpacked to 16-bit lanes, split by parity as
/// `QuantizedVector.widened` splits the activations, with its float scale
/// (and offset, for encodings that have one).
///
/// An encoding whose blocks hold more than 32 weights (the K-quants' super-
/// blocks of 256) is unpacked 32 weights at a time: `unpack` gets the block
/// and which run of 32 in it (`sub`, below `subBlocks`).
protocol BlockFormat {
  static var blockBytes: Int { get }
  /// Runs of 32 weights in one block.
  static var subBlocks: Int { get }
  /// How the block's offset (its minimum) meets the activations.
  static var offsetTerm: OffsetTerm { get }
  /// Whether each half of a run of 32 has its own integer scale
  /// (`UnpackedBlock.laneScales`), applied to the integer sums.
  static var hasLaneScales: Bool { get }
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock
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

/// One block's weights: `even` holds elements 0, 2, ..., 14 then 16, ..., 30,
/// `odd` the elements after each.
struct UnpackedBlock {
  var even: SIMD16<Int16>
  var odd: SIMD16<Int16>
  var scale: Float
  var offset: Float
  /// The offset of each half of 16 weights (`OffsetTerm.halfBlockSums`).
  var halfOffsets = SIMD2<Float>()
  /// Integer scales of the four-product sums: lanes 0-3 cover elements
  /// 0-15, lanes 4-7 elements 16-31 (`BlockFormat.hasLaneScales`).
  var laneScales = SIMD8<Int32>()
}

/// Nibbles of 16 bytes: byte i holds element i in its low half and element
/// i + 16 in its high half. Two bytes are loaded as one 16-bit lane, so each
/// nibble comes out already widened by a shift and a mask.
@inline(__always)
func unpackNibbles(_ nibbles: UnsafeRawPointer, subtract: Int16) -> (
  even: SIMD16<Int16>, odd: SIMD16<Int16>
) {
  let packed = nibbles.loadUnaligned(as: SIMD8<UInt16>.self)
  let even = SIMD16(lowHalf: packed & 0x0F, highHalf: (packed &>> 4) & 0x0F)
  let odd = SIMD16(lowHalf: (packed &>> 8) & 0x0F, highHalf: packed &>> 12)
  // Nibbles fit Int16 as they are.
  return (
    unsafeBitCast(even, to: SIMD16<Int16>.self) &- subtract,
    unsafeBitCast(odd, to: SIMD16<Int16>.self) &- subtract
  )
}

/// Q4_0: d, then 16 bytes of nibbles; value = d * (nibble - 8).
enum Q4_0Format: BlockFormat {
  static let blockBytes = 18
  static let offsetTerm = OffsetTerm.none
  @inline(__always)
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock
  {
    let (even, odd) = unpackNibbles(block + 2, subtract: 8)
    let scale = halves[block.loadUnaligned(as: UInt16.self)]
    return UnpackedBlock(even: even, odd: odd, scale: scale, offset: 0)
  }
}

/// Q4_1: d, m, then 16 bytes of nibbles; value = d * nibble + m.
enum Q4_1Format: BlockFormat {
  static let blockBytes = 20
  static let offsetTerm = OffsetTerm.blockSum
  @inline(__always)
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock
  {
    let (even, odd) = unpackNibbles(block + 4, subtract: 0)
    let factors = block.loadUnaligned(as: SIMD2<UInt16>.self)
    return UnpackedBlock(
      even: even, odd: odd, scale: halves[factors[0]], offset: halves[factors[1]])
  }
}

/// Q8_0: d, then 32 signed bytes; value = d * byte. The bytes are loaded as
/// 16-bit lanes and split by parity with shifts that extend the sign.
enum Q8_0Format: BlockFormat {
  static let blockBytes = 34
  static let offsetTerm = OffsetTerm.none
  @inline(__always)
  static func unpack(_ block: UnsafeRawPointer, sub: Int, halves: HalfDecoder)
    -> UnpackedBlock
  {
    let bytes = block.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int16>.self)
    let scale = halves[block.loadUnaligned(as: UInt16.self)]
    return UnpackedBlock(even: (bytes &<< 8) &>> 8, odd: bytes &>> 8, scale: scale, offset: 0)
  }
}
