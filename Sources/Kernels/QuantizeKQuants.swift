import GGUF

/// Encoders for the five-bit and K-quant encodings (layouts in
/// `FiveBitFormats` and `KQuantFormats`).
///
/// A K-quant super-block is encoded in three steps: each run of 16 or 32
/// values gets the scale (and minimum) that fits it best, searched over a
/// few candidate step sizes with a least-squares refit for each; those
/// scales are themselves quantized to a few bits against the super-block's
/// half-precision factor; then every value is rounded with the scale it
/// will really be decoded with.
extension Quantize {
  /// Encodes `values` (whole blocks of `type`) into `output`, which holds
  /// `type.rowBytes(elements: count)` zeroed bytes.
  static func encodeRow(
    _ type: TensorType, _ values: UnsafePointer<Float>, count: Int,
    into output: UnsafeMutableRawPointer
  ) {
    switch type {
    case .q5_0, .q5_1:
      for block in 0..<count / 32 {
        fiveBitBlock(
          values + block * 32, into: output + block * type.blockBytes, minimum: type == .q5_1)
      }
    case .q4_K, .q5_K, .q6_K, .q3_K, .q2_K:
      for block in 0..<count / 256 {
        let source = values + block * 256
        let target = output + block * type.blockBytes
        switch type {
        case .q4_K: q4KOrQ5KBlock(source, into: target, fifthBits: false)
        case .q5_K: q4KOrQ5KBlock(source, into: target, fifthBits: true)
        case .q6_K: q6KBlock(source, into: target)
        case .q3_K: q3KBlock(source, into: target)
        default: q2KBlock(source, into: target)
        }
      }
    default:
      preconditionFailure("\(type) is not a five-bit or K-quant encoding")
    }
  }

  /// round(value) clamped to lowest...highest; NaN gives `lowest`.
  @inline(__always)
  static func level(_ value: Float, _ lowest: Int, _ highest: Int) -> Int {
    guard value >= Float(lowest) else { return lowest }
    guard value <= Float(highest) else { return highest }
    return Int(value.rounded(.toNearestOrAwayFromZero))
  }

  static func storeHalf(_ value: Float, _ target: UnsafeMutableRawPointer, _ offset: Int) {
    target.storeBytes(of: Half.fromFloat(value), toByteOffset: offset, as: UInt16.self)
  }

  @inline(__always)
  static func roundedToHalf(_ value: Float) -> Float { Half.toFloat(Half.fromFloat(value)) }

  // MARK: Q5_0 and Q5_1

  /// Q5_0 maps the value of largest magnitude to -16 (keeping its sign, so
  /// the one extra negative level is used); Q5_1 spreads 32 levels from the
  /// smallest value to the largest.
  static func fiveBitBlock(
    _ values: UnsafePointer<Float>, into target: UnsafeMutableRawPointer, minimum hasMinimum: Bool
  ) {
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 32) { quants in
      fiveBitBlock(values, into: target, minimum: hasMinimum, quants: quants.baseAddress!)
    }
  }

  static func fiveBitBlock(
    _ values: UnsafePointer<Float>, into target: UnsafeMutableRawPointer, minimum hasMinimum: Bool,
    quants: UnsafeMutablePointer<Int>
  ) {
    if hasMinimum {
      var lowest = values[0]
      var highest = values[0]
      for index in 0..<32 {
        lowest = min(lowest, values[index])
        highest = max(highest, values[index])
      }
      let scale = (highest - lowest) / 31
      let inverse: Float = scale != 0 ? 1 / scale : 0
      storeHalf(scale, target, 0)
      storeHalf(lowest, target, 2)
      for index in 0..<32 { quants[index] = level((values[index] - lowest) * inverse, 0, 31) }
    } else {
      var extreme: Float = 0
      for index in 0..<32 where abs(values[index]) > abs(extreme) { extreme = values[index] }
      let scale = extreme / -16
      let inverse: Float = scale != 0 ? 1 / scale : 0
      storeHalf(scale, target, 0)
      for index in 0..<32 { quants[index] = level(values[index] * inverse, -16, 15) + 16 }
    }
    let header = hasMinimum ? 4 : 2
    var fifthBits: UInt32 = 0
    for index in 0..<16 {
      let low = quants[index]
      let high = quants[index + 16]
      target.storeBytes(
        of: UInt8((low & 0xF) | (high & 0xF) << 4), toByteOffset: header + 4 + index, as: UInt8.self
      )
      fifthBits |= UInt32(low >> 4) << index | UInt32(high >> 4) << (index + 16)
    }
    target.storeBytes(of: fifthBits, toByteOffset: header, as: UInt32.self)
  }

  // MARK: Fitting one run

  /// The step and minimum (at most 0) with which levels 0...`levels`
  /// represent `count` values best in the least-squares sense.
  static func fitAffine(_ values: UnsafePointer<Float>, count: Int, levels: Int) -> (
    scale: Float, minimum: Float
  ) {
    var lowest: Float = 0
    var highest: Float = 0
    for index in 0..<count {
      lowest = min(lowest, values[index])
      highest = max(highest, values[index])
    }
    let range = highest - lowest
    guard range > 0, range.isFinite else { return (0, lowest.isFinite ? lowest : 0) }
    var best = (scale: range / Float(levels), minimum: lowest)
    var bestError = affineError(values, count, levels, best.scale, best.minimum)
    for candidate in -6...6 {
      let inverse = (Float(levels) + Float(candidate) * 0.15) / range
      // Levels for this step, then the least-squares step and minimum for them.
      var sumQ: Float = 0
      var sumQQ: Float = 0
      var sumX: Float = 0
      var sumXQ: Float = 0
      for index in 0..<count {
        let quant = Float(level((values[index] - lowest) * inverse, 0, levels))
        sumQ += quant
        sumQQ += quant * quant
        sumX += values[index]
        sumXQ += values[index] * quant
      }
      let elements = Float(count)
      let determinant = elements * sumQQ - sumQ * sumQ
      guard determinant > 0 else { continue }
      var scale = (elements * sumXQ - sumQ * sumX) / determinant
      var minimum = (sumQQ * sumX - sumQ * sumXQ) / determinant
      if minimum > 0 {
        minimum = 0
        scale = sumXQ / sumQQ
      }
      guard scale > 0 else { continue }
      let error = affineError(values, count, levels, scale, minimum)
      if error < bestError {
        bestError = error
        best = (scale, minimum)
      }
    }
    return best
  }

  static func affineError(
    _ values: UnsafePointer<Float>, _ count: Int, _ levels: Int, _ scale: Float, _ minimum: Float
  ) -> Float {
    let inverse = 1 / scale
    var error: Float = 0
    for index in 0..<count {
      let quant = Float(level((values[index] - minimum) * inverse, 0, levels))
      let difference = values[index] - (scale * quant + minimum)
      error += difference * difference
    }
    return error
  }

  /// The signed step with which levels -`half`...`half` - 1 represent
  /// `count` values best: the value of largest magnitude goes near -`half`
  /// (the side with the extra level), the step refitted by least squares.
  static func fitSymmetric(_ values: UnsafePointer<Float>, count: Int, half: Int) -> Float {
    var extreme: Float = 0
    for index in 0..<count where abs(values[index]) > abs(extreme) { extreme = values[index] }
    guard extreme != 0, extreme.isFinite else { return 0 }
    var best: Float = extreme / -Float(half)
    var bestGain: Float = -1
    for candidate in -6...6 {
      let inverse = -(Float(half) + Float(candidate) * 0.15) / extreme
      var sumQQ: Float = 0
      var sumXQ: Float = 0
      for index in 0..<count {
        let quant = Float(level(values[index] * inverse, -half, half - 1))
        sumQQ += quant * quant
        sumXQ += values[index] * quant
      }
      // The error is Σx² - (Σxq)² / Σq², so the largest gain wins.
      guard sumQQ > 0 else { continue }
      let gain = sumXQ * sumXQ / sumQQ
      if gain > bestGain {
        bestGain = gain
        best = sumXQ / sumQQ
      }
    }
    return best
  }

  // MARK: Super-blocks

  /// Q4_K and Q5_K: eight runs of 32, six-bit scales and minimums.
  static func q4KOrQ5KBlock(
    _ values: UnsafePointer<Float>, into target: UnsafeMutableRawPointer, fifthBits: Bool
  ) {
    let levels = fifthBits ? 31 : 15
    var scales = [Float](repeating: 0, count: 8)
    var minimums = [Float](repeating: 0, count: 8)
    for sub in 0..<8 {
      let fit = fitAffine(values + 32 * sub, count: 32, levels: levels)
      scales[sub] = fit.scale
      minimums[sub] = -fit.minimum
    }
    let factor = roundedToHalf((scales.max() ?? 0) / 63)
    let minimumFactor = roundedToHalf((minimums.max() ?? 0) / 63)
    storeHalf(factor, target, 0)
    storeHalf(minimumFactor, target, 2)
    let nibbles = fifthBits ? 48 : 16
    for sub in 0..<8 {
      let subScale = factor > 0 ? level(scales[sub] / factor, 0, 63) : 0
      let subMinimum = minimumFactor > 0 ? level(minimums[sub] / minimumFactor, 0, 63) : 0
      storeSixBit(scale: subScale, minimum: subMinimum, sub: sub, into: target + 4)
      let step = factor * Float(subScale)
      let offset = minimumFactor * Float(subMinimum)
      let inverse: Float = step > 0 ? 1 / step : 0
      for index in 0..<32 {
        let quant = level((values[32 * sub + index] + offset) * inverse, 0, levels)
        orByte(target, nibbles + 32 * (sub / 2) + index, (quant & 0xF) << (4 * (sub % 2)))
        if fifthBits { orByte(target, 16 + index, (quant >> 4) << sub) }
      }
    }
  }

  /// The inverse of `sixBitScaleAndMinimum`.
  static func storeSixBit(
    scale: Int, minimum: Int, sub: Int, into bytes: UnsafeMutableRawPointer
  ) {
    if sub < 4 {
      orByte(bytes, sub, scale)
      orByte(bytes, sub + 4, minimum)
    } else {
      orByte(bytes, sub + 4, (scale & 0xF) | (minimum & 0xF) << 4)
      orByte(bytes, sub - 4, (scale >> 4) << 6)
      orByte(bytes, sub, (minimum >> 4) << 6)
    }
  }

  @inline(__always)
  static func orByte(_ bytes: UnsafeMutableRawPointer, _ offset: Int, _ bits: Int) {
    let old = bytes.load(fromByteOffset: offset, as: UInt8.self)
    bytes.storeBytes(
      of: old | UInt8(truncatingIfNeeded: bits), toByteOffset: offset, as: UInt8.self)
  }

  /// Steps of 16 runs of 16 (signed), quantized to integers in
  /// -`limit`...`limit` - 1 against one half-precision factor. Returns the
  /// factor and the integers.
  static func symmetricScales(
    _ values: UnsafePointer<Float>, half: Int, limit: Int
  ) -> (factor: Float, scales: [Int]) {
    var steps = [Float](repeating: 0, count: 16)
    var extreme: Float = 0
    for run in 0..<16 {
      steps[run] = fitSymmetric(values + 16 * run, count: 16, half: half)
      if abs(steps[run]) > abs(extreme) { extreme = steps[run] }
    }
    let factor = roundedToHalf(extreme / -Float(limit))
    let inverse: Float = factor != 0 && factor.isFinite ? 1 / factor : 0
    return (factor, steps.map { level($0 * inverse, -limit, limit - 1) })
  }

  /// Q6_K: sixteen runs of 16, levels -32...31, eight-bit signed scales.
  static func q6KBlock(_ values: UnsafePointer<Float>, into target: UnsafeMutableRawPointer) {
    let (factor, scales) = symmetricScales(values, half: 32, limit: 128)
    storeHalf(factor, target, 208)
    for element in 0..<256 {
      let run = element / 16
      let step = factor * Float(scales[run])
      let quant = step != 0 ? level(values[element] / step, -32, 31) + 32 : 32
      let half = element / 128
      let sub = element % 128 / 32
      let index = element % 32
      orByte(target, 64 * half + 32 * (sub % 2) + index, (quant & 0xF) << (4 * (sub / 2)))
      orByte(target, 128 + 32 * half + index, (quant >> 4) << (2 * sub))
    }
    for run in 0..<16 {
      target.storeBytes(of: Int8(scales[run]), toByteOffset: 192 + run, as: Int8.self)
    }
  }

  /// Q3_K: sixteen runs of 16, levels -4...3, six-bit signed scales.
  static func q3KBlock(_ values: UnsafePointer<Float>, into target: UnsafeMutableRawPointer) {
    let (factor, scales) = symmetricScales(values, half: 4, limit: 32)
    storeHalf(factor, target, 108)
    for element in 0..<256 {
      let step = factor * Float(scales[element / 16])
      let quant = step != 0 ? level(values[element] / step, -4, 3) + 4 : 4
      let sub = element / 32
      let index = element % 32
      orByte(target, 32 + 32 * (sub / 4) + index, (quant & 3) << (2 * (sub % 4)))
      orByte(target, index, (quant >> 2) << sub)
    }
    for run in 0..<16 {
      let stored = scales[run] + 32
      orByte(target, 96 + run % 8, (stored & 0xF) << (run < 8 ? 0 : 4))
      orByte(target, 96 + 8 + run % 4, (stored >> 4) << (2 * (run / 4)))
    }
  }

  /// Q2_K: sixteen runs of 16, levels 0...3, four-bit scales and minimums.
  static func q2KBlock(_ values: UnsafePointer<Float>, into target: UnsafeMutableRawPointer) {
    var scales = [Float](repeating: 0, count: 16)
    var minimums = [Float](repeating: 0, count: 16)
    for run in 0..<16 {
      let fit = fitAffine(values + 16 * run, count: 16, levels: 3)
      scales[run] = fit.scale
      minimums[run] = -fit.minimum
    }
    let factor = roundedToHalf((scales.max() ?? 0) / 15)
    let minimumFactor = roundedToHalf((minimums.max() ?? 0) / 15)
    storeHalf(factor, target, 80)
    storeHalf(minimumFactor, target, 82)
    for run in 0..<16 {
      let subScale = factor > 0 ? level(scales[run] / factor, 0, 15) : 0
      let subMinimum = minimumFactor > 0 ? level(minimums[run] / minimumFactor, 0, 15) : 0
      orByte(target, run, subScale | subMinimum << 4)
      let step = factor * Float(subScale)
      let offset = minimumFactor * Float(subMinimum)
      let inverse: Float = step > 0 ? 1 / step : 0
      for index in 0..<16 {
        let element = 16 * run + index
        let quant = level((values[element] + offset) * inverse, 0, 3)
        let sub = element / 32
        orByte(target, 16 + 32 * (sub / 4) + element % 32, quant << (2 * (sub % 4)))
      }
    }
  }
}
