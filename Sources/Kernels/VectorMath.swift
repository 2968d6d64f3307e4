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
      if start + 16 <= count,
        let whole = exponentials(
          UnsafeRawPointer(values + start).loadUnaligned(as: SIMD16<Float>.self) - largest)
      {
        run = whole
        UnsafeMutableRawPointer(values + start).storeBytes(of: run, as: SIMD16<Float>.self)
      } else {
        for lane in 0..<min(16, count - start) {
          run[lane] = exponential(values[start + lane] - largest)
          values[start + lane] = run[lane]
        }
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
    // Beyond ±192 halvings the result is 0 or infinite; a NaN (a broken
    // model's) also stops here rather than trapping below.
    guard abs(n) <= 192 else { return n > 0 ? .infinity : 0 }
    let b = x.addingProduct(-n, 0x1.62e4p-1).addingProduct(-n, 0x1.7f7d1cp-20)
    let u = b * b
    let high = Float(0x1.573e2ep-5).addingProduct(0x1.0e4020p-7, b)
    let middle = Float(0x1.fffdb6p-2).addingProduct(0x1.555e66p-3, b)
    let low = Float(1).addingProduct(0x1.ffffecp-1, b)
    let polynomial = low.addingProduct(middle.addingProduct(high, u), u)
    return Float(sign: .plus, exponent: Int(n), significand: polynomial)
  }

  /// `exponential` of sixteen values at once, lane for lane the same
  /// floats, or nil when a lane's power of two falls outside the normal
  /// range (results near 0 or infinity), which `exponential` handles one by
  /// one. The polynomial needs fused multiply-adds in vector form, so
  /// targets without one (x86 built for the baseline) always take nil.
  @inline(__always)
  static func exponentials(_ x: SIMD16<Float>) -> SIMD16<Float>? {
    #if arch(arm64) || FUSED_MULTIPLY_ADD
      let shifter = SIMD16<Float>(repeating: 0x1.8p23)
      let shifted = shifter.addingProduct(x, 0x1.715476p+0)
      let n = shifted - shifter
      // The whole number n sits in the low bits of `shifted`; 2^n is a
      // normal float for n in -126...127, that is n + 126 in 0...253 (a
      // negative one wraps far above as unsigned; so does a NaN's garbage).
      let exponents = unsafeBitCast(shifted, to: SIMD16<UInt32>.self) &- (0x4B40_0000 - 126)
      guard exponents.max() <= 253 else { return nil }
      let b = x.addingProduct(-n, 0x1.62e4p-1).addingProduct(-n, 0x1.7f7d1cp-20)
      let u = b * b
      let high = SIMD16<Float>(repeating: 0x1.573e2ep-5).addingProduct(0x1.0e4020p-7, b)
      let middle = SIMD16<Float>(repeating: 0x1.fffdb6p-2).addingProduct(0x1.555e66p-3, b)
      let low = SIMD16<Float>(repeating: 1).addingProduct(0x1.ffffecp-1, b)
      let polynomial = low.addingProduct(middle.addingProduct(high, u), u)
      let powers = unsafeBitCast((exponents &+ 1) &<< 23, to: SIMD16<Float>.self)  // 2^n
      return polynomial * powers
    #else
      return nil
    #endif
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
    sigmoidGated(gate, up, count: count, argument: { $0 }, tail: expf)
  }

  /// gate = gelu(gate) * up, the GeGLU of a Gemma feed-forward block, with
  /// GELU's tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
  /// Since 0.5·(1 + tanh(u)) = 1 / (1 + e^(-2u)), that is x / (1 + e^(-2u)).
  public static func geGLU(
    _ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int
  ) {
    let twiceRootTwoOverPi: Float = 2 * 0.797_884_56
    let cubic: Float = 0.044_715
    sigmoidGated(
      gate, up, count: count, argument: { twiceRootTwoOverPi * $0 * (1 + cubic * $0 * $0) },
      tail: exponential)
  }

  /// gate = x / (1 + e^(-z)) * up with z = `argument`(x) for each gate
  /// value x: SwiGLU and GeGLU. Runs of 16 take `exponentials`, or
  /// `exponential` lane by lane where that declines; the values after the
  /// last whole run take `tail`. The argument is computed on vectors only:
  /// lane by lane it is the same float as on one value.
  @inline(__always)
  private static func sigmoidGated(
    _ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int,
    argument: (SIMD16<Float>) -> SIMD16<Float>, tail: (Float) -> Float
  ) {
    var index = 0
    while index < count {
      let lanes = min(16, count - index)
      var x = SIMD16<Float>()
      if lanes == 16 {
        x = UnsafeRawPointer(gate + index).loadUnaligned(as: SIMD16<Float>.self)
      } else {
        for lane in 0..<lanes { x[lane] = gate[index + lane] }
      }
      let z = argument(x)
      if lanes == 16, let exponentials = exponentials(-z) {
        let ups = UnsafeRawPointer(up + index).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(gate + index).storeBytes(
          of: x / (1 + exponentials) * ups, as: SIMD16<Float>.self)
      } else {
        for lane in 0..<lanes {
          let power = lanes == 16 ? exponential(-z[lane]) : tail(-z[lane])
          gate[index + lane] = x[lane] / (1 + power) * up[index + lane]
        }
      }
      index += 16
    }
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
  /// runtime does: whole runs of 64 by `runsOf64`, the rest added one by
  /// one in double.
  public static func dot(
    halves a: HalfRuns, _ b: UnsafePointer<UInt16>, count: Int
  ) -> Float {
    let whole = count & ~63
    var total = Double(runsOf64(a, b, count: whole))
    for index in whole..<count {
      total += Double(Half.toFloat(a[index]) * Half.toFloat(b[index]))
    }
    return Float(total)
  }

  /// `dot(halves:_:count:)` of each of `rowCount` rows, the rows `stride`
  /// halves apart in each run, with the same `weights`, bit for bit. The
  /// tail past the runs of 64, which that sums one product at a time in
  /// double, is summed here for eight rows at once, a lane per row: each
  /// row's sum keeps its order, and the rows no longer wait on each other's
  /// additions. Where halves
  /// convert eight at a time, eight products of each row are made at once
  /// and the 8 x 8 block is transposed into the row lanes.
  public static func dot(
    halfRows rows: HalfRuns, stride: Int, rowCount: Int,
    _ weights: UnsafePointer<UInt16>, count: Int, into output: UnsafeMutablePointer<Float>
  ) {
    let whole = count & ~63
    var first = 0
    while first < rowCount {
      let lanes = min(8, rowCount - first)
      var totals = SIMD8<Double>()
      for lane in 0..<lanes {
        totals[lane] = Double(
          runsOf64(rows.advanced(by: (first + lane) * stride), weights, count: whole))
      }
      var index = whole
      #if arch(arm64) || HALF_CONVERSION
        if lanes == 8 {
          while index + 8 <= count {
            let scale = eightHalves(weights + index)
            let row = rows.pointer(to: index) + first * stride
            // Products of halves are exact in float.
            let products = transposed(
              (
                eightHalves(row) * scale, eightHalves(row + stride) * scale,
                eightHalves(row + 2 * stride) * scale, eightHalves(row + 3 * stride) * scale,
                eightHalves(row + 4 * stride) * scale, eightHalves(row + 5 * stride) * scale,
                eightHalves(row + 6 * stride) * scale, eightHalves(row + 7 * stride) * scale
              ))
            totals += SIMD8<Double>(products.0)
            totals += SIMD8<Double>(products.1)
            totals += SIMD8<Double>(products.2)
            totals += SIMD8<Double>(products.3)
            totals += SIMD8<Double>(products.4)
            totals += SIMD8<Double>(products.5)
            totals += SIMD8<Double>(products.6)
            totals += SIMD8<Double>(products.7)
            index += 8
          }
        }
      #endif
      var values = SIMD8<Double>()
      while index < count {
        for lane in 0..<lanes {
          values[lane] = Double(Half.toFloat(rows.pointer(to: index)[(first + lane) * stride]))
        }
        // Products of halves are exact, in float as in double.
        totals += values * Double(Half.toFloat(weights[index]))
        index += 1
      }
      for lane in 0..<lanes { output[first + lane] = Float(totals[lane]) }
      first += 8
    }
  }

  #if arch(arm64) || HALF_CONVERSION
    @inline(__always)
    private static func eightHalves(_ halves: UnsafePointer<UInt16>) -> SIMD8<Float> {
      SIMD8<Float>(UnsafeRawPointer(halves).loadUnaligned(as: SIMD8<Float16>.self))
    }
  #endif

  typealias EightByEight = (
    SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>,
    SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>
  )

  /// Rows become columns. Taking the even elements of the 64 in order,
  /// then the odd ones, moves each element's index bits one place to the
  /// right (the lowest becomes the highest); three such rounds exchange the
  /// row bits with the column bits.
  @inline(__always)
  static func transposed(_ rows: EightByEight) -> EightByEight {
    @inline(__always)
    func round(_ m: EightByEight) -> EightByEight {
      let pairs = (
        SIMD16(lowHalf: m.0, highHalf: m.1), SIMD16(lowHalf: m.2, highHalf: m.3),
        SIMD16(lowHalf: m.4, highHalf: m.5), SIMD16(lowHalf: m.6, highHalf: m.7)
      )
      return (
        pairs.0.evenHalf, pairs.1.evenHalf, pairs.2.evenHalf, pairs.3.evenHalf,
        pairs.0.oddHalf, pairs.1.oddHalf, pairs.2.oddHalf, pairs.3.oddHalf
      )
    }
    return round(round(round(rows)))
  }

  /// The whole runs of 64 of a half dot product (`count` a multiple of 64),
  /// as the reference runtime sums them: four 16-lane float accumulators
  /// (products of halves are exact in float), folded and reduced by
  /// `sixteenLaneSum`.
  @inline(__always)
  private static func runsOf64(
    _ a: HalfRuns, _ b: UnsafePointer<UInt16>, count: Int
  ) -> Float {
    var sums = (HalfLanes(), HalfLanes(), HalfLanes(), HalfLanes())
    var index = 0
    while index < count {
      // Sixteen halves at a time never cross the end of a run of 32.
      sums.0.add(a.pointer(to: index), b + index)
      sums.1.add(a.pointer(to: index + 16), b + index + 16)
      sums.2.add(a.pointer(to: index + 32), b + index + 32)
      sums.3.add(a.pointer(to: index + 48), b + index + 48)
      index += 64
    }
    let folded = (sums.0.lanes + sums.2.lanes) + (sums.1.lanes + sums.3.lanes)
    return sixteenLaneSum(folded)
  }

  /// Σ a[i] * b[i] over two half vectors, summed as the reference CPU
  /// runtime's batched matrix product does: 16 float lanes run through the
  /// whole vector and are reduced once by `sixteenLaneSum`. Lengths that are
  /// not a multiple of 16 take `dot(halves:_:count:)`, as that runtime does.
  public static func laneDot(
    halves a: HalfRuns, _ b: UnsafePointer<UInt16>, count: Int
  ) -> Float {
    guard count % 16 == 0 else { return dot(halves: a, b, count: count) }
    var sums = HalfLanes()
    var index = 0
    while index < count {
      sums.add(a.pointer(to: index), b + index)
      index += 16
    }
    return sixteenLaneSum(sums.lanes)
  }

  /// Stores floats as halves, rounded to nearest, ties to even.
  public static func convert(
    _ input: UnsafePointer<Float>, toHalves output: UnsafeMutablePointer<UInt16>, count: Int
  ) {
    var index = 0
    #if arch(arm64) || HALF_CONVERSION
      while index + 8 <= count {
        let floats = UnsafeRawPointer(input + index).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(output + index).storeBytes(
          of: SIMD8<Float16>(floats), as: SIMD8<Float16>.self)
        index += 8
      }
    #endif
    while index < count {
      output[index] = Half.fromFloat(input[index])
      index += 1
    }
  }
}

/// A vector of halves kept in runs of 32 that need not be adjacent: element
/// i is at `start + (i / 32) * runStride + i % 32`. The attention's value
/// cache keeps each dimension's positions so, in tiles of 32 positions for
/// every dimension, so that only the tiles of positions written take
/// memory. A vector in one piece has a run stride of 32.
public struct HalfRuns {
  public static let runLength = 32
  public let start: UnsafePointer<UInt16>
  /// Halves from the start of one run to the start of the next.
  public let runStride: Int

  @inline(__always)
  public init(_ start: UnsafePointer<UInt16>, runStride: Int = HalfRuns.runLength) {
    self.start = start
    self.runStride = runStride
  }

  @inline(__always)
  public func pointer(to index: Int) -> UnsafePointer<UInt16> {
    start + (index / Self.runLength) * runStride + index % Self.runLength
  }

  @inline(__always)
  public subscript(index: Int) -> UInt16 { pointer(to: index).pointee }

  /// The vector laid out the same way `offset` halves further on: the next
  /// row of a tile.
  @inline(__always)
  public func advanced(by offset: Int) -> HalfRuns {
    HalfRuns(start + offset, runStride: runStride)
  }
}

/// Sixteen float accumulators of products of halves, lane i taking element
/// i of each run of 16. Where the CPU converts halves, sixteen are loaded
/// and converted at once. Elsewhere two halves are loaded as one 32-bit lane
/// and widened by shifts, so the even and the odd elements are kept apart
/// and put back in order only at the end: each lane sums the same products
/// in the same order either way.
struct HalfLanes {
  #if arch(arm64) || HALF_CONVERSION
    var lanes = SIMD16<Float>()

    @inline(__always)
    mutating func add(_ a: UnsafePointer<UInt16>, _ b: UnsafePointer<UInt16>) {
      lanes += Self.floats(a) * Self.floats(b)
    }

    /// Sixteen halves as floats, eight at a time (the width the compiler
    /// turns into single conversion instructions).
    @inline(__always)
    static func floats(_ halves: UnsafePointer<UInt16>) -> SIMD16<Float> {
      let raw = UnsafeRawPointer(halves)
      return SIMD16(
        lowHalf: SIMD8<Float>(raw.loadUnaligned(as: SIMD8<Float16>.self)),
        highHalf: SIMD8<Float>(raw.loadUnaligned(fromByteOffset: 16, as: SIMD8<Float16>.self)))
    }
  #else
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
  #endif
}
