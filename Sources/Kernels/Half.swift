/// Half-precision (IEEE binary16) to single-precision conversion.
///
/// Every 64-bit Arm converts halves in hardware, and so does x86 with F16C,
/// which a tuned build declares with `-D HALF_CONVERSION` (`scripts/build`):
/// there `Float16` conversions are single instructions, also on SIMD vectors.
/// Elsewhere a `Float16` conversion is a library call costing more than a
/// block's arithmetic, so the 65,536 possible values are tabled once and
/// rounding to half is done with integer arithmetic.
public enum Half {
  // Filled once on first use and only read after that.
  nonisolated(unsafe) public static let table: UnsafePointer<Float> = {
    let table = UnsafeMutablePointer<Float>.allocate(capacity: 65536)
    for bits in 0..<65536 { table[bits] = convert(UInt16(bits)) }
    return UnsafePointer(table)
  }()

  @inline(__always)
  public static func toFloat(_ bits: UInt16) -> Float {
    #if arch(arm64) || HALF_CONVERSION
      Float(Float16(bitPattern: bits))
    #else
      table[Int(bits)]
    #endif
  }

  /// Rounds to the nearest half, ties to even.
  @inline(__always)
  public static func fromFloat(_ value: Float) -> UInt16 {
    #if arch(arm64) || HALF_CONVERSION
      Float16(value).bitPattern
    #else
      roundToHalf(value)
    #endif
  }

  /// Rounding to half by integer arithmetic, ties to even.
  static func roundToHalf(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    let sign = UInt16((bits >> 16) & 0x8000)
    let exponent = Int((bits >> 23) & 0xFF)
    var mantissa = bits & 0x7F_FFFF
    if exponent == 0xFF {  // infinity or NaN
      return sign | 0x7C00 | (mantissa != 0 ? 0x200 : 0)
    }
    let halfExponent = exponent - 127 + 15
    if halfExponent >= 0x1F { return sign | 0x7C00 }
    if halfExponent <= 0 {
      // A subnormal half (or zero): shift the implicit bit in and round.
      if halfExponent < -10 { return sign }
      mantissa |= 0x80_0000
      let shift = UInt32(14 - halfExponent)
      let half = mantissa >> shift
      let remainder = mantissa & ((1 << shift) - 1)
      let midpoint: UInt32 = 1 << (shift - 1)
      let rounded =
        half + ((remainder > midpoint || (remainder == midpoint && half & 1 == 1)) ? 1 : 0)
      return sign | UInt16(rounded)
    }
    let half = UInt32(halfExponent) << 10 | (mantissa >> 13)
    let remainder = mantissa & 0x1FFF
    let rounded = half + ((remainder > 0x1000 || (remainder == 0x1000 && half & 1 == 1)) ? 1 : 0)
    return sign | UInt16(rounded)  // a carry into the exponent is the right result
  }

  private static func convert(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = Int((bits >> 10) & 0x1F)
    let mantissa = UInt32(bits & 0x3FF)
    if exponent == 0 {
      // Zero or subnormal: value = mantissa * 2^-24.
      let magnitude = Float(mantissa) * 0x1p-24
      return sign == 0 ? magnitude : -magnitude
    }
    if exponent == 0x1F {
      return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
  }
}

/// Decodes block scales in the hot loops: the CPU's own conversion where it
/// has one, else `Half.table`, whose address is taken once here so the
/// loops check no lazily made global per block.
public struct HalfDecoder {
  #if arch(arm64) || HALF_CONVERSION
    public init() {}

    @inline(__always)
    public subscript(bits: UInt16) -> Float { Half.toFloat(bits) }
  #else
    let table: UnsafePointer<Float>

    public init() { table = Half.table }

    @inline(__always)
    public subscript(bits: UInt16) -> Float { table[Int(bits)] }
  #endif
}

/// bfloat16 is the top half of a float's bits.
public enum BrainFloat {
  @inline(__always)
  public static func toFloat(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }
}
