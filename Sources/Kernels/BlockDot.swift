/// Dot products of one weight row against activation vectors. Quantized
/// encodings walk whole blocks with integer arithmetic (see `BlockFormat`
/// for each block layout); float encodings multiply floats.
/// `WeightMatrix` picks the function once per product.
enum BlockDot {
  @inline(__always)
  static func half(_ pointer: UnsafeRawPointer, _ offset: Int) -> Float {
    Half.toFloat(pointer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
  }

  /// The reference CPU runtime sums a block as eight lanes of four
  /// consecutive products, folds each lane into its own float accumulator with
  /// a fused multiply-add, keeps any offset terms in a separate float sum and
  /// adds the lanes pairwise at the end. Summing in that order gives the same
  /// float result bit for bit, which keeps 8-bit activation rounding (and so
  /// greedy answers) in step with it.
  @inline(__always)
  static func dot<Format: BlockFormat>(
    _ format: Format.Type, _ row: UnsafeRawPointer, _ input: QuantizedInput, blocks: Int,
    halves: HalfDecoder
  ) -> Float {
    var lanes = SIMD8<Float>()
    var offsets: Float = 0
    for block in 0..<blocks {
      let weights = unpack(Format.self, row, block: block, halves: halves)
      accumulate(Format.self, weights, input, block: block, lanes: &lanes, offsets: &offsets)
    }
    return laneSum(lanes) + offsets
  }

  /// The same dot products of one row with four inputs at once: each block
  /// of weights is unpacked once for all four. Each result is summed exactly
  /// as `dot` sums it.
  @inline(__always)
  static func dot4<Format: BlockFormat>(
    _ format: Format.Type, _ row: UnsafeRawPointer,
    _ inputs: (QuantizedInput, QuantizedInput, QuantizedInput, QuantizedInput), blocks: Int,
    halves: HalfDecoder
  ) -> SIMD4<Float> {
    var lanes = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
    var offsets = SIMD4<Float>()
    for block in 0..<blocks {
      let weights = unpack(Format.self, row, block: block, halves: halves)
      accumulate(
        Format.self, weights, inputs.0, block: block, lanes: &lanes.0, offsets: &offsets[0])
      accumulate(
        Format.self, weights, inputs.1, block: block, lanes: &lanes.1, offsets: &offsets[1])
      accumulate(
        Format.self, weights, inputs.2, block: block, lanes: &lanes.2, offsets: &offsets[2])
      accumulate(
        Format.self, weights, inputs.3, block: block, lanes: &lanes.3, offsets: &offsets[3])
    }
    return SIMD4(laneSum(lanes.0), laneSum(lanes.1), laneSum(lanes.2), laneSum(lanes.3))
      + offsets
  }

  /// One input against two rows at once, for decoding: each row's sum is a
  /// chain of fused multiply-adds, one per block, and two chains side by
  /// side keep the multiply-add unit busy where one would wait on each
  /// result in turn. Each result is summed exactly as `dot` sums it.
  @inline(__always)
  static func dot2<Format: BlockFormat>(
    _ format: Format.Type, _ rows: (UnsafeRawPointer, UnsafeRawPointer), _ input: QuantizedInput,
    blocks: Int, halves: HalfDecoder
  ) -> SIMD2<Float> {
    var lanes = (SIMD8<Float>(), SIMD8<Float>())
    var offsets = SIMD2<Float>()
    for block in 0..<blocks {
      let first = unpack(Format.self, rows.0, block: block, halves: halves)
      let second = unpack(Format.self, rows.1, block: block, halves: halves)
      accumulate(Format.self, first, input, block: block, lanes: &lanes.0, offsets: &offsets[0])
      accumulate(Format.self, second, input, block: block, lanes: &lanes.1, offsets: &offsets[1])
    }
    return SIMD2(laneSum(lanes.0), laneSum(lanes.1)) + offsets
  }

  /// Run of 32 number `block` of a row. With one run per block (a constant
  /// of the format) the division and remainder fold away.
  @inline(__always)
  static func unpack<Format: BlockFormat>(
    _ format: Format.Type, _ row: UnsafeRawPointer, block: Int, halves: HalfDecoder
  ) -> UnpackedBlock<Format.Values> {
    Format.unpack(
      row + block / Format.subBlocks * Format.blockBytes, sub: block % Format.subBlocks,
      halves: halves)
  }

  /// Adds one run of 32 products to the lanes. Encodings with a scale per
  /// 16 weights multiply the four-product sums by it in 32 bits: a sum is at
  /// most 4 × 32 × 127 = 16,256 (no unpacked weight exceeds 32 in
  /// magnitude, see `BlockFormat`), and a scale at most 128, so the product
  /// stays below 2^21, exact in float and far inside 32 bits.
  @inline(__always)
  static func accumulate<Format: BlockFormat>(
    _ format: Format.Type, _ weights: UnpackedBlock<Format.Values>, _ input: QuantizedInput,
    block: Int, lanes: inout SIMD8<Float>, offsets: inout Float
  ) {
    var quads = weights.values.quadSums(input, block: block)
    if Format.hasLaneScales { quads &*= weights.laneScales }
    // For the 32-element encodings both factors are halves, so the product
    // is exact in float.
    lanes = fusedMultiplyAdd(weights.scale * input.scales[block], quads, lanes)
    switch Format.offsetTerm {
    case .none: break
    case .blockSum: offsets += weights.offset * input.sums[block]
    case .halfBlockSums:
      let sums = UnsafeRawPointer(input.halfSums + 2 * block).loadUnaligned(as: SIMD2<Float>.self)
      offsets += input.scales[block] * (weights.halfOffsets * sums).sum()
    }
  }

  /// accumulator + scale * lanes, rounded once per lane as a fused
  /// multiply-add does. Arm has the instruction on every target. On x86 it
  /// is not in the baseline (a call per lane there), so unless the build
  /// says the CPU has it (`-D FUSED_MULTIPLY_ADD`, which `scripts/build`
  /// passes with `-target-cpu haswell`), the product of a float and an
  /// integer below 2^21, exact in double, is summed in double and rounded to
  /// float once: the fused result (barring a double-rounding tie, which needs
  /// far more bits than these have).
  @inline(__always)
  static func fusedMultiplyAdd(
    _ scale: Float, _ lanes: SIMD8<Int32>, _ accumulator: SIMD8<Float>
  ) -> SIMD8<Float> {
    #if arch(arm64) || arch(arm) || FUSED_MULTIPLY_ADD
      return accumulator.addingProduct(SIMD8<Float>(lanes), scale)
    #else
      let product = SIMD8<Double>(lanes) * Double(scale)
      return SIMD8<Float>(SIMD8<Double>(accumulator) + product)
    #endif
  }

  /// Adds eight lanes as the reference runtime's horizontal sum does:
  /// upper four onto lower four, then pairs two apart, then the last two.
  @inline(__always)
  static func laneSum(_ lanes: SIMD8<Float>) -> Float {
    let four = lanes.lowHalf + lanes.highHalf
    return (four[0] + four[2]) + (four[1] + four[3])
  }

  static func f32(_ row: UnsafeRawPointer, _ input: UnsafePointer<Float>, count: Int) -> Float {
    VectorMath.dot(row.assumingMemoryBound(to: Float.self), input, count: count)
  }

  static func f16(_ row: UnsafeRawPointer, _ input: UnsafePointer<Float>, count: Int) -> Float {
    let halves = row.assumingMemoryBound(to: UInt16.self)
    var sums = SIMD8<Float>()
    var index = 0
    while index + 8 <= count {
      #if arch(arm64) || HALF_CONVERSION
        let weights = SIMD8<Float>(
          UnsafeRawPointer(halves + index).loadUnaligned(as: SIMD8<Float16>.self))
      #else
        var weights = SIMD8<Float>()
        for lane in 0..<8 { weights[lane] = Half.toFloat(halves[index + lane]) }
      #endif
      sums += weights * UnsafeRawPointer(input + index).loadUnaligned(as: SIMD8<Float>.self)
      index += 8
    }
    var total = sums.sum()
    while index < count {
      total += Half.toFloat(halves[index]) * input[index]
      index += 1
    }
    return total
  }

  /// bfloat16 weights become floats by a 16-bit shift, lane by lane in
  /// runs of 16 (plain integer lanes the compiler vectorizes), summed in two
  /// vectors of eight floats.
  static func bf16(_ row: UnsafeRawPointer, _ input: UnsafePointer<Float>, count: Int) -> Float {
    let halves = row.assumingMemoryBound(to: UInt16.self)
    let inputs = UnsafeRawPointer(input)
    var low = SIMD8<Float>()
    var high = SIMD8<Float>()
    var index = 0
    while index + 16 <= count {
      var bits = SIMD16<UInt32>()
      for lane in 0..<16 { bits[lane] = UInt32(halves[index + lane]) &<< 16 }
      let weights = unsafeBitCast(bits, to: SIMD16<Float>.self)
      low +=
        weights.lowHalf * inputs.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
      high +=
        weights.highHalf
        * inputs.loadUnaligned(fromByteOffset: index * 4 + 32, as: SIMD8<Float>.self)
      index += 16
    }
    var total = (low + high).sum()
    while index < count {
      total += BrainFloat.toFloat(halves[index]) * input[index]
      index += 1
    }
    return total
  }
}
