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
      sum0 += rawA.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
        * rawB.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      sum1 += rawA.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self)
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

  /// In-place softmax over `count` values.
  public static func softmax(_ values: UnsafeMutablePointer<Float>, count: Int) {
    var largest = -Float.infinity
    for index in 0..<count { largest = max(largest, values[index]) }
    var total: Float = 0
    for index in 0..<count {
      let value = expf(values[index] - largest)
      values[index] = value
      total += value
    }
    let inverse = 1 / total
    for index in 0..<count { values[index] *= inverse }
  }

  /// output += scale * input
  public static func addScaled(
    _ output: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, scale: Float, count: Int
  ) {
    for index in 0..<count { output[index] += scale * input[index] }
  }

  /// output += input
  public static func add(
    _ output: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>, count: Int
  ) {
    for index in 0..<count { output[index] += input[index] }
  }

  /// gate = silu(gate) * up, the SwiGLU of a feed-forward block.
  public static func swiGLU(
    _ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int
  ) {
    for index in 0..<count {
      let value = gate[index]
      gate[index] = value / (1 + expf(-value)) * up[index]
    }
  }
}

/// Operations on vectors stored in half precision: the key/value cache,
/// which halves in size this way (the reference runtime stores it so too).
extension VectorMath {
  /// Σ a[i] * half[i]
  public static func dot(
    _ a: UnsafePointer<Float>, halves: UnsafePointer<UInt16>, count: Int
  ) -> Float {
    let table = Half.table
    var sums = SIMD8<Float>()
    var index = 0
    while index + 8 <= count {
      var widened = SIMD8<Float>()
      for lane in 0..<8 { widened[lane] = table[Int(halves[index + lane])] }
      sums += UnsafeRawPointer(a + index).loadUnaligned(as: SIMD8<Float>.self) * widened
      index += 8
    }
    var total = sums.sum()
    while index < count {
      total += a[index] * table[Int(halves[index])]
      index += 1
    }
    return total
  }

  /// output += scale * half
  public static func addScaled(
    _ output: UnsafeMutablePointer<Float>, halves: UnsafePointer<UInt16>, scale: Float, count: Int
  ) {
    let table = Half.table
    for index in 0..<count { output[index] += scale * table[Int(halves[index])] }
  }

  /// Stores floats as halves.
  public static func convert(
    _ input: UnsafePointer<Float>, toHalves output: UnsafeMutablePointer<UInt16>, count: Int
  ) {
    for index in 0..<count { output[index] = Half.fromFloat(input[index]) }
  }

  /// Rounds each value to the nearest half, in place.
  public static func roundToHalf(_ values: UnsafeMutablePointer<Float>, count: Int) {
    for index in 0..<count { values[index] = Half.toFloat(Half.fromFloat(values[index])) }
  }
}
