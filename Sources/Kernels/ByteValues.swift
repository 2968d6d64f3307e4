#if arch(x86_64) && AVX2
  import _Builtin_intrinsics.intel

  /// A run of 32 weights as bytes in element order, for x86's byte
  /// multiply-add: AVX2's `vpmaddubsw` multiplies unsigned by signed bytes
  /// and adds neighbouring products into 16 bits, and `vpmaddwd` against
  /// ones adds those pairs into the four-product lane sums, two instructions
  /// for a whole run where the 16-bit products take seven. A tuned build
  /// declares AVX2 with `-D AVX2` (`scripts/build`).
  ///
  /// The pairs cannot saturate: activations stay within ±127 and no value
  /// exceeds 128 in magnitude, so a pair is at most 2 × 128 × 127 = 32,512.
  struct ByteValues: BlockValues {
    /// Two's complement where `signed`. Every operation on them is an AVX2
    /// instruction: Swift's 32-lane byte vectors are not lowered to single
    /// instructions.
    var bytes: __m256i
    /// Whether a byte may be negative. The multiply-add takes its weights
    /// unsigned, so signed weights give their signs to the activations
    /// (|w| × sign(w)·a is w·a).
    var signed: Bool

    /// 16 bytes of nibbles: byte i holds element i in its low half and
    /// element i + 16 in its high half.
    @inline(__always)
    static func nibbles(_ bytes: UnsafeRawPointer) -> Self {
      let packed = bytes.loadUnaligned(as: SIMD8<UInt16>.self)
      let values = SIMD16(lowHalf: packed & 0x0F0F, highHalf: (packed &>> 4) & 0x0F0F)
      return Self(bytes: unsafeBitCast(values, to: __m256i.self), signed: false)
    }

    /// 32 bytes, element l in byte l: the bits `mask` selects after a shift
    /// right by `shift`, shifted as 16-bit lanes (x86 has no byte shifts)
    /// and masked in both bytes.
    @inline(__always)
    static func fields(_ bytes: UnsafeRawPointer, shift: Int, mask: UInt8) -> Self {
      let packed = unsafeBitCast(bytes.loadUnaligned(as: SIMD32<UInt8>.self), to: __m256i.self)
      let fields = _mm256_and_si256(
        _mm256_srl_epi16(packed, _mm_cvtsi64_si128(Int64(shift))),
        _mm256_set1_epi8(CChar(bitPattern: mask)))
      return Self(bytes: fields, signed: false)
    }

    @inline(__always)
    static func signedBytes(_ bytes: UnsafeRawPointer) -> Self {
      Self(
        bytes: unsafeBitCast(bytes.loadUnaligned(as: SIMD32<UInt8>.self), to: __m256i.self),
        signed: true)
    }

    /// Adds 16 to each element whose bit is set in `bits` (bit i for
    /// element i): byte j is given byte j / 8 of the word by a byte shuffle,
    /// tests its own bit and becomes 16 where it is set.
    @inline(__always)
    func withFifthBits(_ bits: UInt32) -> Self {
      let word = _mm256_set1_epi32(Int32(bitPattern: bits))
      let spread = _mm256_shuffle_epi8(word, Self.bytePositions)
      let selected = _mm256_and_si256(spread, Self.bitMasks)
      let fifth = _mm256_and_si256(
        _mm256_cmpeq_epi8(selected, Self.bitMasks), _mm256_set1_epi8(0x10))
      return Self(bytes: _mm256_or_si256(bytes, fifth), signed: signed)
    }

    /// Byte j: j / 8, the byte of a 32-bit word holding bit j.
    private static var bytePositions: __m256i {
      _mm256_set_epi64x(
        0x0303_0303_0303_0303, 0x0202_0202_0202_0202, 0x0101_0101_0101_0101, 0)
    }

    /// Byte j: bit j % 8.
    private static var bitMasks: __m256i {
      _mm256_set1_epi64x(Int64(bitPattern: 0x8040_2010_0804_0201))
    }

    /// These values with `high`'s shifted left by `shift` and put above
    /// them. The shift runs on 16-bit lanes: `high`'s fields are narrow
    /// enough that nothing crosses into the neighbouring byte.
    @inline(__always)
    func adding(_ high: Self, shiftedBy shift: Int16) -> Self {
      let raised = _mm256_sll_epi16(high.bytes, _mm_cvtsi64_si128(Int64(shift)))
      return Self(bytes: _mm256_or_si256(bytes, raised), signed: signed)
    }

    @inline(__always)
    func subtracting(_ amount: Int16) -> Self {
      Self(
        bytes: _mm256_sub_epi8(bytes, _mm256_set1_epi8(CChar(truncatingIfNeeded: amount))),
        signed: true)
    }

    @inline(__always)
    func quadSums(_ input: QuantizedInput, block: Int) -> SIMD8<Int32> {
      var activations = unsafeBitCast(
        UnsafeRawPointer(input.quants + block * 32).loadUnaligned(as: SIMD32<Int8>.self),
        to: __m256i.self)
      var weights = bytes
      if signed {
        activations = _mm256_sign_epi8(activations, weights)
        weights = _mm256_sign_epi8(weights, weights)
      }
      let pairs = _mm256_maddubs_epi16(weights, activations)
      return unsafeBitCast(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)), to: SIMD8<Int32>.self)
    }
  }
#endif
