/// The plain definitions of the five-bit and K-quant encodings, element by
/// element as their layouts describe them (see `FiveBitFormats` and
/// `KQuantFormats`): the reference the block products are tested against.
extension Dequantize {
  static func byte(_ pointer: UnsafeRawPointer, _ offset: Int) -> Int {
    Int(pointer.load(fromByteOffset: offset, as: UInt8.self))
  }

  /// Q5_0 (`hasMinimum` false) and Q5_1.
  static func fiveBit(
    _ data: UnsafeRawPointer, count: Int, hasMinimum: Bool, into output: UnsafeMutablePointer<Float>
  ) {
    let blockBytes = hasMinimum ? 24 : 22
    for block in 0..<count / 32 {
      let base = data + block * blockBytes
      let scale = BlockDot.half(base, 0)
      let minimum: Float = hasMinimum ? BlockDot.half(base, 2) : 0
      let header = hasMinimum ? 4 : 2
      let fifthBits = base.loadUnaligned(fromByteOffset: header, as: UInt32.self)
      let target = output + block * 32
      for index in 0..<16 {
        let packed = byte(base, header + 4 + index)
        let low = (packed & 0xF) | Int((fifthBits >> index) & 1) << 4
        let high = (packed >> 4) | Int((fifthBits >> (index + 16)) & 1) << 4
        target[index] = hasMinimum ? Float(low) * scale + minimum : Float(low - 16) * scale
        target[index + 16] = hasMinimum ? Float(high) * scale + minimum : Float(high - 16) * scale
      }
    }
  }

  /// Q4_K (`fifthBits` false) and Q5_K.
  static func q4KOrQ5K(
    _ data: UnsafeRawPointer, count: Int, fifthBits: Bool, into output: UnsafeMutablePointer<Float>
  ) {
    let blockBytes = fifthBits ? 176 : 144
    for block in 0..<count / 256 {
      let base = data + block * blockBytes
      let scale = BlockDot.half(base, 0)
      let minimumScale = BlockDot.half(base, 2)
      let nibbles = fifthBits ? 48 : 16
      for sub in 0..<8 {
        let (subScale, subMinimum) = sixBitScaleAndMinimum(base + 4, sub: sub)
        let factor = scale * Float(subScale)
        let offset = minimumScale * Float(subMinimum)
        for index in 0..<32 {
          var quant = byte(base, nibbles + 32 * (sub / 2) + index) >> (4 * (sub % 2)) & 0xF
          if fifthBits { quant |= (byte(base, 16 + index) >> sub & 1) << 4 }
          output[block * 256 + sub * 32 + index] = factor * Float(quant) - offset
        }
      }
    }
  }

  static func q6K(_ data: UnsafeRawPointer, count: Int, into output: UnsafeMutablePointer<Float>) {
    for block in 0..<count / 256 {
      let base = data + block * 210
      let scale = BlockDot.half(base, 208)
      for element in 0..<256 {
        let half = element / 128
        let run = element % 128 / 32
        let index = element % 32
        let low = byte(base, 64 * half + 32 * (run % 2) + index) >> (4 * (run / 2)) & 0xF
        let high = byte(base, 128 + 32 * half + index) >> (2 * run) & 3
        let subScale = Float(base.load(fromByteOffset: 192 + element / 16, as: Int8.self))
        output[block * 256 + element] = scale * subScale * Float((low | high << 4) - 32)
      }
    }
  }

  static func q3K(_ data: UnsafeRawPointer, count: Int, into output: UnsafeMutablePointer<Float>) {
    for block in 0..<count / 256 {
      let base = data + block * 110
      let scale = BlockDot.half(base, 108)
      for element in 0..<256 {
        let sub = element / 32
        let index = element % 32
        let low = byte(base, 32 + 32 * (sub / 4) + index) >> (2 * (sub % 4)) & 3
        let high = byte(base, index) >> sub & 1
        let subScale = Float(q3KScale(base + 96, element / 16) - 32)
        output[block * 256 + element] = scale * subScale * Float((low | high << 2) - 4)
      }
    }
  }

  static func q2K(_ data: UnsafeRawPointer, count: Int, into output: UnsafeMutablePointer<Float>) {
    for block in 0..<count / 256 {
      let base = data + block * 84
      let scale = BlockDot.half(base, 80)
      let minimumScale = BlockDot.half(base, 82)
      for element in 0..<256 {
        let sub = element / 32
        let quant = byte(base, 16 + 32 * (sub / 4) + element % 32) >> (2 * (sub % 4)) & 3
        let scales = byte(base, element / 16)
        output[block * 256 + element] =
          scale * Float(scales & 0xF) * Float(quant) - minimumScale * Float(scales >> 4)
      }
    }
  }
}
