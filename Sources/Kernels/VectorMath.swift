#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The float vector operations of a transformer layer, on raw buffers.
/// Written with SIMD vectors and several accumulators so they vectorize on
/// every target without relaxed floating-point flags.
public enum VectorMath {
  public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float
  {
    let rawA = UnsafeRawPointer(a)
    let rawB = UnsafeRawPointer(b)
    var sum0 = SIMD8<Float>()
    var sum1 = SIMD8<Float>()
    var index = 0
    while index + 16 <= count {
      let offset = index * 4
      sum0 +=
        rawA.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
        * rawB.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      sum1 +=
        rawA.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self)
        * rawB.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self)
      index += 16
    }
    var total = (sum0 + sum1).sum()
    while index < count {
      total += a[index] * b[index]
      index += 1
    }
    return total
  }

  /// output = input / rms(input) * weight. The squares are summed in double
  /// precision: activations reach the hundreds, and a float sum would round
  /// differently from the reference runtime's.
  public static func rmsNorm(
    _ output: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>,
    weight: UnsafePointer<Float>, count: Int, epsilon: Float
  ) {
    var sum: Double = 0
    for index in 0..<count { sum += Double(input[index] * input[index]) }
    let meanSquare = Float(sum / Double(count))
    let scale = 1 / (meanSquare + epsilon).squareRoot()
    for index in 0..<count { output[index] = input[index] * scale * weight[index] }
  }

  /// In-place softmax over `count` values, computed as the reference CPU
  /// runtime does: `exponential` on runs of 16 (the row it works on is padded
  /// with masked entries, whose weight is exactly 0), each run summed by
  /// `sixteenLaneSum`, the runs summed in double, and every value scaled by
  /// the float reciprocal of that sum.
  public static func softmax(_ values: UnsafeMutablePointer<Float>, count: Int) {
    var largest = -Float.infinity
    for index in 0..<count { largest = max(largest, values[index]) }
    var total: Double = 0
    var start = 0
    while start < count {
      var run = SIMD16<Float>()
      for lane in 0..<min(16, count - start) {
        run[lane] = exponential(values[start + lane] - largest)
        values[start + lane] = run[lane]
      }
      total += Double(sixteenLaneSum(run))
      start += 16
    }
    let inverse = Float(1 / total)
    for index in 0..<count { values[index] *= inverse }
  }

  /// e^x by the reference CPU runtime's vector approximation (a degree-5
  /// polynomial on a reduced argument, scaled by a power of two), which
  /// differs from `expf` in the last bit often enough to matter downstream.
  @inline(__always)
  public static func exponential(_ x: Float) -> Float {
    let shifter: Float = 0x1.8p23
    let n = shifter.addingProduct(x, 0x1.715476p+0) - shifter  // round(x / ln 2)
    if abs(n) > 192 { return n > 0 ? .infinity : 0 }
    let b = x.addingProduct(-n, 0x1.62e4p-1).addingProduct(-n, 0x1.7f7d1cp-20)
    let u = b * b
    let high = Float(0x1.573e2ep-5).addingProduct(0x1.0e4020p-7, b)
    let middle = Float(0x1.fffdb6p-2).addingProduct(0x1.555e66p-3, b)
    let low = Float(1).addingProduct(0x1.ffffecp-1, b)
    let polynomial = low.addingProduct(middle.addingProduct(high, u), u)
    return Float(sign: .plus, exponent: Int(n), significand: polynomial)
  }

  /// Adds 16 lanes as the reference runtime's 512-bit reduction does:
  /// halves onto halves down to four lanes, then lanes two apart, then the last two.
  @inline(__always)
  public static func sixteenLaneSum(_ lanes: SIMD16<Float>) -> Float {
    let eight = lanes.highHalf + lanes.lowHalf
    let four = eight.highHalf + eight.lowHalf
    return (four[0] + four[2]) + (four[1] + four[3])
  }

  /// output += input
  public static func add(
    _ output: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, count: Int
  ) {
    for index in 0..<count { output[index] += input[index] }
  }

  /// values *= factor
  public static func scale(_ values: UnsafeMutablePointer<Float>, by factor: Float, count: Int) {
    for index in 0..<count { values[index] *= factor }
  }

  /// gate = silu(gate) * up, the SwiGLU of a feed-forward block. Runs of 16
  /// take `exponential` and a tail takes `expf`, as in the reference runtime.
  public static func swiGLU(
    _ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int
  ) {
    let vectorized = count & ~15
    for index in 0..<vectorized {
      let value = gate[index]
      gate[index] = value / (1 + exponential(-value)) * up[index]
    }
    for index in vectorized..<count {
      let value = gate[index]
      gate[index] = value / (1 + expf(-value)) * up[index]
    }
  }

  /// gate = gelu(gate) * up, the GeGLU of a Gemma feed-forward block, with
  /// GELU's tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
  /// Since 0.5·(1 + tanh(u)) = 1 / (1 + e^(-2u)), that is x / (1 + e^(-2u)):
  /// eight lanes at a time with `exponentials`, the tail with `expf`.
  public static func geGLU(
    _ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int
  ) {
    let twiceRootTwoOverPi: Float = 2 * 0.797_884_56
    let cubic: Float = 0.044_715
    let rawGate = UnsafeMutableRawPointer(gate)
    let rawUp = UnsafeRawPointer(up)
    var index = 0
    while index + 8 <= count {
      let offset = index * 4
      let x = rawGate.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      let u = rawUp.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      let inner = twiceRootTwoOverPi * x * (1 + cubic * x * x)
      let result = x / (1 + exponentials(-inner)) * u
      rawGate.storeBytes(of: result, toByteOffset: offset, as: SIMD8<Float>.self)
      index += 8
    }
    while index < count {
      let x = gate[index]
      let inner = twiceRootTwoOverPi * x * (1 + cubic * x * x)
      gate[index] = x / (1 + expf(-inner)) * up[index]
      index += 1
    }
  }

  /// e^x on eight lanes, by `exponential`'s polynomial; arguments are
  /// clamped to ±80, where the result is already 0 or infinite for the
  /// purposes of a gate (e^±80 is within float range, so no lane overflows).
  @inline(__always)
  static func exponentials(_ argument: SIMD8<Float>) -> SIMD8<Float> {
    let x = argument.clamped(
      lowerBound: SIMD8(repeating: -80), upperBound: SIMD8(repeating: 80))
    let shifter = SIMD8<Float>(repeating: 0x1.8p23)
    let n = (x * 0x1.715476p+0 + shifter) - shifter  // round(x / ln 2)
    let b = x - n * 0x1.62e4p-1 - n * 0x1.7f7d1cp-20
    let u = b * b
    let high = 0x1.573e2ep-5 + 0x1.0e4020p-7 * b
    let middle = 0x1.fffdb6p-2 + 0x1.555e66p-3 * b
    let low = 1 + 0x1.ffffecp-1 * b
    let polynomial = low + (middle + high * u) * u
    // 2^n as a float's bits: n + 127 in the exponent field.
    let exponent = (SIMD8<Int32>(n, rounding: .towardZero) &+ 127) &<< 23
    return polynomial * unsafeBitCast(exponent, to: SIMD8<Float>.self)
  }

  /// cap · tanh(value / cap) on each value: the soft cap Gemma 2 puts on
  /// attention scores and on its logits.
  public static func softCap(_ values: UnsafeMutablePointer<Float>, count: Int, cap: Float) {
    let inverse = 1 / cap
    for index in 0..<count { values[index] = cap * tanhf(values[index] * inverse) }
  }
}

/// Operations on vectors stored in half precision: the key/value cache,
/// which halves in size this way (the reference runtime stores it so too).
extension VectorMath {
  /// Σ a[i] * b[i] over two half vectors, summed as the reference CPU
  /// runtime does: whole runs of 64 into four 16-lane float accumulators
  /// (the products of halves are exact in float), folded and reduced by
  /// `sixteenLaneSum`; the rest added one by one in double.
  public static func dot(
    halves a: UnsafePointer<UInt16>, _ b: UnsafePointer<UInt16>, count: Int
  ) -> Float {
    let whole = count & ~63
    var sums = (HalfLanes(), HalfLanes(), HalfLanes(), HalfLanes())
    var index = 0
    while index < whole {
      sums.0.add(a + index, b + index)
      sums.1.add(a + index + 16, b + index + 16)
      sums.2.add(a + index + 32, b + index + 32)
      sums.3.add(a + index + 48, b + index + 48)
      index += 64
    }
    let folded = (sums.0.lanes + sums.2.lanes) + (sums.1.lanes + sums.3.lanes)
    var total = Double(sixteenLaneSum(folded))
    let table = Half.table
    while index < count {
      total += Double(table[Int(a[index])] * table[Int(b[index])])
      index += 1
    }
    return Float(total)
  }

  /// Σ a[i] * b[i] over two half vectors, summed as the reference CPU
  /// runtime's batched matrix product does: 16 float lanes run through the
  /// whole vector and are reduced once by `sixteenLaneSum`. Lengths that are
  /// not a multiple of 16 take `dot(halves:_:count:)`, as that runtime does.
  public static func laneDot(
    halves a: UnsafePointer<UInt16>, _ b: UnsafePointer<UInt16>, count: Int
  ) -> Float {
    guard count % 16 == 0 else { return dot(halves: a, b, count: count) }
    var sums = HalfLanes()
    var index = 0
    while index < count {
      sums.add(a + index, b + index)
      index += 16
    }
    return sixteenLaneSum(sums.lanes)
  }

  /// Stores floats as halves.
  public static func convert(
    _ input: UnsafePointer<Float>, toHalves output: UnsafeMutablePointer<UInt16>, count: Int
  ) {
    for index in 0..<count { output[index] = Half.fromFloat(input[index]) }
  }
}

/// Sixteen float accumulators of products of halves, lane i taking element
/// i of each run of 16. Two halves are loaded as one 32-bit lane and widened
/// by shifts, so the even and the odd elements are kept apart and put back
/// in order only at the end: each lane sums the same products in the same
/// order as a plain 16-lane loop would.
struct HalfLanes {
  var even = SIMD8<Float>()
  var odd = SIMD8<Float>()

  @inline(__always)
  mutating func add(_ a: UnsafePointer<UInt16>, _ b: UnsafePointer<UInt16>) {
    let left = UnsafeRawPointer(a).loadUnaligned(as: SIMD8<UInt32>.self)
    let right = UnsafeRawPointer(b).loadUnaligned(as: SIMD8<UInt32>.self)
    even += Self.floats(left & 0xFFFF) * Self.floats(right & 0xFFFF)
    odd += Self.floats(left &>> 16) * Self.floats(right &>> 16)
  }

  /// The sixteen lanes in element order.
  var lanes: SIMD16<Float> {
    var result = SIMD16<Float>()
    for lane in 0..<8 {
      result[2 * lane] = even[lane]
      result[2 * lane + 1] = odd[lane]
    }
    return result
  }

  /// Halves (in the low 16 bits of each lane) to floats, exactly: the
  /// exponent and mantissa are moved into place and the exponent bias fixed
  /// by a power-of-two product, which also makes half subnormals normal
  /// floats. Infinities and NaNs get the float's all-ones exponent, by
  /// integer arithmetic (vector comparisons are slow in Swift).
  @inline(__always)
  static func floats(_ bits: SIMD8<UInt32>) -> SIMD8<Float> {
    let magnitude = (bits & 0x7FFF) &<< 13
    let scaled = unsafeBitCast(magnitude, to: SIMD8<Float>.self) * 0x1p112
    // All ones where the half's exponent is all ones, else zero.
    let special = SIMD8<UInt32>() &- ((((bits & 0x7C00) &+ 0x0400) & 0x8000) &>> 15)
    let result = unsafeBitCast(scaled, to: SIMD8<UInt32>.self) | (special & 0x7F80_0000)
    return unsafeBitCast(result | ((bits & 0x8000) &<< 16), to: SIMD8<Float>.self)
  }
}
