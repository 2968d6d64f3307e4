/// Dot products of one weight row against an activation vector, one function
/// per weight encoding. Each walks whole blocks with integer arithmetic where
/// the encoding allows; `WeightMatrix` picks the function once per product.
///
/// Block layouts (ggml's, as stored in GGUF; `d` and `m` are halves):
/// - Q4_0: d, 16 bytes of nibbles; element i < 16 is the low nibble of byte i,
///   element i + 16 its high nibble; value = d * (nibble - 8).
/// - Q4_1: d, m, 16 bytes of nibbles as Q4_0; value = d * nibble + m.
/// - Q8_0: d, 32 signed bytes; value = d * byte.
enum BlockDot {
  @inline(__always)
  static func half(_ pointer: UnsafeRawPointer, _ offset: Int) -> Float {
    Half.toFloat(pointer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
  }

  /// Σ over the 32 elements of low/high nibbles times activations.
  @inline(__always)
  static func nibbleProduct(_ nibbles: UnsafeRawPointer, _ activations: UnsafePointer<Int8>)
    -> Int32
  {
    var sum: Int32 = 0
    for index in 0..<16 {
      let byte = nibbles.load(fromByteOffset: index, as: UInt8.self)
      sum &+= Int32(byte & 0x0F) &* Int32(activations[index])
      sum &+= Int32(byte >> 4) &* Int32(activations[index + 16])
    }
    return sum
  }

  static func q4_0(
    _ row: UnsafeRawPointer, _ input: QuantizedVector, blocks: Int
  ) -> Float {
    var total: Float = 0
    for block in 0..<blocks {
      let base = row + block * 18
      let activations = UnsafePointer(input.quants + block * 32)
      // Σ (n - 8) a = Σ n a - 8 Σ a, and Σ a is d_a-scaled in `sums`.
      let product = nibbleProduct(base + 2, activations)
      var activationSum: Int32 = 0
      for index in 0..<32 { activationSum &+= Int32(activations[index]) }
      total += half(base, 0) * input.scales[block] * Float(product &- 8 &* activationSum)
    }
    return total
  }

  /// The reference CPU runtime sums a block as eight lanes of four
  /// consecutive products, folds each lane into its own float accumulator with
  /// a fused multiply-add, keeps the offset terms in a separate float sum and
  /// adds the lanes pairwise at the end. Summing in that order gives the same
  /// float result bit for bit, which keeps 8-bit activation rounding (and so
  /// greedy answers) in step with it.
  static func q4_1(
    _ row: UnsafeRawPointer, _ input: QuantizedVector, blocks: Int
  ) -> Float {
    var lanes = SIMD8<Float>()
    var offsets: Float = 0
    for block in 0..<blocks {
      let base = row + block * 20
      let activations = UnsafeRawPointer(input.quants + block * 32)
      let nibbles = base.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self)
      let low = quadSums(
        SIMD16<Int8>(truncatingIfNeeded: nibbles & 0x0F),
        activations.loadUnaligned(as: SIMD16<Int8>.self))
      let high = quadSums(
        SIMD16<Int8>(truncatingIfNeeded: nibbles &>> 4),
        activations.loadUnaligned(fromByteOffset: 16, as: SIMD16<Int8>.self))
      // Both factors are halves, so the products are exact in float.
      lanes = fusedMultiplyAdd(
        half(base, 0) * input.scales[block], SIMD8(lowHalf: low, highHalf: high), lanes)
      offsets += half(base, 2) * input.sums[block]
    }
    return laneSum(lanes) + offsets
  }

  /// Sums of four consecutive products of signed bytes (nibbles fit as they are).
  @inline(__always)
  static func quadSums(_ weights: SIMD16<Int8>, _ activations: SIMD16<Int8>) -> SIMD4<Int32> {
    let products =
      SIMD16<Int16>(truncatingIfNeeded: weights) &* SIMD16<Int16>(truncatingIfNeeded: activations)
    let pairs =
      SIMD8<Int32>(truncatingIfNeeded: products.evenHalf)
      &+ SIMD8<Int32>(truncatingIfNeeded: products.oddHalf)
    return pairs.evenHalf &+ pairs.oddHalf
  }

  /// accumulator + scale * lanes, rounded once per lane as a fused
  /// multiply-add does. The product of a float and an integer below 2^17 is
  /// exact in double, so one double sum rounded to float is the fused result
  /// (barring a double-rounding tie, which needs far more bits than these have).
  @inline(__always)
  static func fusedMultiplyAdd(
    _ scale: Float, _ lanes: SIMD8<Int32>, _ accumulator: SIMD8<Float>
  ) -> SIMD8<Float> {
    let product = SIMD8<Double>(lanes) * Double(scale)
    return SIMD8<Float>(SIMD8<Double>(accumulator) + product)
  }

  /// Adds eight lanes as the reference runtime's horizontal sum does:
  /// upper four onto lower four, then pairs two apart, then the last two.
  @inline(__always)
  static func laneSum(_ lanes: SIMD8<Float>) -> Float {
    let four = lanes.lowHalf + lanes.highHalf
    return (four[0] + four[2]) + (four[1] + four[3])
  }

  /// Eight lanes of four consecutive products, as `q4_1` explains.
  static func q8_0(
    _ row: UnsafeRawPointer, _ input: QuantizedVector, blocks: Int
  ) -> Float {
    var lanes = SIMD8<Float>()
    for block in 0..<blocks {
      let base = row + block * 34
      let activations = UnsafeRawPointer(input.quants + block * 32)
      let low = quadSums(
        base.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int8>.self),
        activations.loadUnaligned(as: SIMD16<Int8>.self))
      let high = quadSums(
        base.loadUnaligned(fromByteOffset: 18, as: SIMD16<Int8>.self),
        activations.loadUnaligned(fromByteOffset: 16, as: SIMD16<Int8>.self))
      lanes = fusedMultiplyAdd(
        half(base, 0) * input.scales[block], SIMD8(lowHalf: low, highHalf: high), lanes)
    }
    return laneSum(lanes)
  }

  static func f32(_ row: UnsafeRawPointer, _ input: UnsafePointer<Float>, count: Int) -> Float {
    VectorMath.dot(row.assumingMemoryBound(to: Float.self), input, count: count)
  }

  static func f16(_ row: UnsafeRawPointer, _ input: UnsafePointer<Float>, count: Int) -> Float {
    let halves = row.assumingMemoryBound(to: UInt16.self)
    var sums = SIMD8<Float>()
    var index = 0
    while index + 8 <= count {
      var weights = SIMD8<Float>()
      for lane in 0..<8 { weights[lane] = Half.toFloat(halves[index + lane]) }
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

  static func bf16(_ row: UnsafeRawPointer, _ input: UnsafePointer<Float>, count: Int) -> Float {
    let halves = row.assumingMemoryBound(to: UInt16.self)
    var total: Float = 0
    for index in 0..<count { total += BrainFloat.toFloat(halves[index]) * input[index] }
    return total
  }
}
