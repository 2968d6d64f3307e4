import GGUF

/// A weight matrix viewed in place in the model's memory map: `rows` rows of
/// `columns` elements, each row a run of blocks of `type`.
public struct WeightMatrix: @unchecked Sendable {
  public let name: String
  public let type: TensorType
  public let data: UnsafeRawPointer
  public let rows: Int
  public let columns: Int
  public let rowBytes: Int

  /// The types the kernels compute with. Adding one means a block dot, a
  /// row dequantizer and a case in each switch below.
  public static let supportedTypes: Set<TensorType> = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1]

  public init(
    name: String, type: TensorType, data: UnsafeRawPointer, rows: Int, columns: Int
  ) throws(KernelError) {
    guard Self.supportedTypes.contains(type), let rowBytes = type.rowBytes(elements: columns)
    else { throw .unsupportedType(tensor: name, type: type) }
    self.name = name
    self.type = type
    self.data = data
    self.rows = rows
    self.columns = columns
    self.rowBytes = rowBytes
  }

  /// Whether a product with this matrix reads the 8-bit activations
  /// (`QuantizedVector`) rather than the floats.
  public var takesQuantizedInput: Bool {
    switch type {
    case .q4_0, .q4_1, .q8_0: true
    default: false
    }
  }

  /// output[row] = row · input for `rows`. `quantized` must hold `input`
  /// quantized when `takesQuantizedInput`.
  public func multiply(
    _ input: UnsafePointer<Float>, _ quantized: QuantizedVector,
    into output: UnsafeMutablePointer<Float>, rows range: Range<Int>
  ) {
    let blocks = columns / 32
    switch type {
    case .q4_0:
      for row in range {
        output[row] = BlockDot.q4_0(data + row * rowBytes, quantized, blocks: blocks)
      }
    case .q4_1:
      for row in range {
        output[row] = BlockDot.q4_1(data + row * rowBytes, quantized, blocks: blocks)
      }
    case .q8_0:
      for row in range {
        output[row] = BlockDot.q8_0(data + row * rowBytes, quantized, blocks: blocks)
      }
    case .f32:
      for row in range { output[row] = BlockDot.f32(data + row * rowBytes, input, count: columns) }
    case .f16:
      for row in range { output[row] = BlockDot.f16(data + row * rowBytes, input, count: columns) }
    case .bf16:
      for row in range { output[row] = BlockDot.bf16(data + row * rowBytes, input, count: columns) }
    default:
      preconditionFailure("unsupported types are refused in init")
    }
  }

  /// Writes row `row` as floats (an embedding look-up).
  public func dequantizeRow(_ row: Int, into output: UnsafeMutablePointer<Float>) {
    Dequantize.row(type: type, data + row * rowBytes, count: columns, into: output)
  }
}
