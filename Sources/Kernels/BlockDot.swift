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

  static func q4_1(
    _ row: UnsafeRawPointer, _ input: QuantizedVector, blocks: Int
  ) -> Float {
    var total: Float = 0
    for block in 0..<blocks {
      let base = row + block * 20
      let product = nibbleProduct(base + 4, UnsafePointer(input.quants + block * 32))
      total += half(base, 0) * input.scales[block] * Float(product)
      total += half(base, 2) * input.sums[block]
    }
    return total
  }

  static func q8_0(
    _ row: UnsafeRawPointer, _ input: QuantizedVector, blocks: Int
  ) -> Float {
    var total: Float = 0
    for block in 0..<blocks {
      let base = row + block * 34
      let weights = (base + 2).assumingMemoryBound(to: Int8.self)
      let activations = input.quants + block * 32
      var sum: Int32 = 0
      for index in 0..<32 { sum &+= Int32(weights[index]) &* Int32(activations[index]) }
      total += half(base, 0) * input.scales[block] * Float(sum)
    }
    return total
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
