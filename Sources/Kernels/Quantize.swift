import GGUF

/// Encoders from floats to each block format, the inverse of `Dequantize`:
/// for writing models and for making test weights.
public enum Quantize {
  /// The types there is an encoder for.
  public static let encodableTypes: Set<TensorType> = [
    .f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K,
  ]

  /// Encodes `count` values (whole blocks of `type`) into `output`, which
  /// has room for `type.rowBytes(elements: count)` bytes.
  public static func row(
    _ values: UnsafePointer<Float>, count: Int, as type: TensorType,
    into output: UnsafeMutableRawPointer
  ) {
    guard count > 0, let bytes = type.rowBytes(elements: count) else { return }
    switch type {
    case .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K:
      output.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
      encodeRow(type, values, count: count, into: output)
    default:
      let encoded = row(Array(UnsafeBufferPointer(start: values, count: count)), as: type)
      encoded.withUnsafeBytes { output.copyMemory(from: $0.baseAddress!, byteCount: bytes) }
    }
  }

  /// Encodes `values` (a multiple of the type's block size) as `type`.
  public static func row(_ values: [Float], as type: TensorType) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(type.rowBytes(elements: values.count) ?? 0)
    func appendHalf(_ value: Float) {
      let bits = Half.fromFloat(value)
      out.append(UInt8(bits & 0xFF))
      out.append(UInt8(bits >> 8))
    }
    switch type {
    case .f32:
      for value in values {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) }
      }
    case .f16:
      for value in values { appendHalf(value) }
    case .bf16:
      for value in values {
        // Round to nearest even on the dropped half.
        let bits = value.bitPattern
        let rounded = (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16
        out.append(UInt8(rounded & 0xFF))
        out.append(UInt8(rounded >> 8))
      }
    case .q8_0:
      for block in stride(from: 0, to: values.count, by: 32) {
        let chunk = values[block..<block + 32]
        let largest = chunk.map(abs).max() ?? 0
        let scale = largest / 127
        let inverse: Float = scale != 0 ? 1 / scale : 0
        appendHalf(scale)
        for value in chunk { out.append(UInt8(bitPattern: Int8((value * inverse).rounded()))) }
      }
    case .q4_0:
      for block in stride(from: 0, to: values.count, by: 32) {
        let chunk = Array(values[block..<block + 32])
        // The value of largest magnitude maps to -8, keeping its sign.
        let extreme = chunk.max { abs($0) < abs($1) } ?? 0
        let scale = extreme / -8
        let inverse: Float = scale != 0 ? 1 / scale : 0
        appendHalf(scale)
        func nibble(_ value: Float) -> UInt8 {
          UInt8(min(15, max(0, (value * inverse + 8.5).rounded(.down))))
        }
        for index in 0..<16 { out.append(nibble(chunk[index]) | nibble(chunk[index + 16]) << 4) }
      }
    case .q4_1:
      for block in stride(from: 0, to: values.count, by: 32) {
        let chunk = Array(values[block..<block + 32])
        let minimum = chunk.min() ?? 0
        let maximum = chunk.max() ?? 0
        let scale = (maximum - minimum) / 15
        let inverse: Float = scale != 0 ? 1 / scale : 0
        appendHalf(scale)
        appendHalf(minimum)
        func nibble(_ value: Float) -> UInt8 {
          UInt8(min(15, max(0, ((value - minimum) * inverse + 0.5).rounded(.down))))
        }
        for index in 0..<16 { out.append(nibble(chunk[index]) | nibble(chunk[index + 16]) << 4) }
      }
    case .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K:
      precondition(values.count % type.blockElements == 0, "whole blocks only")
      out = [UInt8](repeating: 0, count: type.rowBytes(elements: values.count)!)
      values.withUnsafeBufferPointer { source in
        guard !source.isEmpty else { return }
        out.withUnsafeMutableBytes { target in
          encodeRow(type, source.baseAddress!, count: source.count, into: target.baseAddress!)
        }
      }
    default:
      preconditionFailure("\(type) has no encoder")
    }
    return out
  }
}
