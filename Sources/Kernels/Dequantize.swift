import GGUF

/// Block decoders: the plain definition of each encoding, used for
/// embedding look-ups and as the reference the dot products are tested against.
public enum Dequantize {
  public static func row(
    type: TensorType, _ data: UnsafeRawPointer, count: Int, into output: UnsafeMutablePointer<Float>
  ) {
    switch type {
    case .f32:
      output.update(from: data.assumingMemoryBound(to: Float.self), count: count)
    case .f16:
      for index in 0..<count {
        output[index] = Half.toFloat(data.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
      }
    case .bf16:
      for index in 0..<count {
        output[index] = BrainFloat.toFloat(
          data.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
      }
    case .q4_0, .q4_1:
      let isOffset = type == .q4_1
      let blockBytes = type.blockBytes
      for block in 0..<count / 32 {
        let base = data + block * blockBytes
        let scale = BlockDot.half(base, 0)
        let minimum: Float = isOffset ? BlockDot.half(base, 2) : 0
        let nibbles = base + (isOffset ? 4 : 2)
        let target = output + block * 32
        for index in 0..<16 {
          let byte = nibbles.load(fromByteOffset: index, as: UInt8.self)
          let low = Float(byte & 0x0F)
          let high = Float(byte >> 4)
          target[index] = isOffset ? low * scale + minimum : (low - 8) * scale
          target[index + 16] = isOffset ? high * scale + minimum : (high - 8) * scale
        }
      }
    case .q8_0:
      for block in 0..<count / 32 {
        let base = data + block * 34
        let scale = BlockDot.half(base, 0)
        for index in 0..<32 {
          output[block * 32 + index] =
            scale * Float(base.load(fromByteOffset: 2 + index, as: Int8.self))
        }
      }
    case .q5_0, .q5_1: fiveBit(data, count: count, hasMinimum: type == .q5_1, into: output)
    case .q4_K, .q5_K: q4KOrQ5K(data, count: count, fifthBits: type == .q5_K, into: output)
    case .q6_K: q6K(data, count: count, into: output)
    case .q3_K: q3K(data, count: count, into: output)
    case .q2_K: q2K(data, count: count, into: output)
    default:
      preconditionFailure("unsupported types are refused before a row is read")
    }
  }
}
