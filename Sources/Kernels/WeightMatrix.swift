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
  public static let supportedTypes: Set<TensorType> = [
    .f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K,
  ]

  public init(
    name: String, type: TensorType, data: UnsafeRawPointer, rows: Int, columns: Int
  ) throws(KernelError) {
    guard Self.supportedTypes.contains(type) else {
      throw .unsupportedType(tensor: name, type: type)
    }
    guard let rowBytes = type.rowBytes(elements: columns) else {
      throw .partialBlocks(tensor: name, type: type, columns: columns)
    }
    self.name = name
    self.type = type
    self.data = data
    self.rows = rows
    self.columns = columns
    self.rowBytes = rowBytes
  }

  private init(name: String, of matrix: WeightMatrix, rows range: Range<Int>) {
    self.name = name
    type = matrix.type
    data = matrix.data + range.lowerBound * matrix.rowBytes
    rows = range.count
    columns = matrix.columns
    rowBytes = matrix.rowBytes
  }

  /// The rows in `range` as a matrix of their own, viewed in place: one part
  /// of a fused tensor (Phi-3's query, key and value rows in one matrix).
  public func rows(_ range: Range<Int>, name: String) -> WeightMatrix {
    precondition(range.lowerBound >= 0 && range.upperBound <= rows)
    return WeightMatrix(name: name, of: self, rows: range)
  }

  /// Whether a product with this matrix reads the 8-bit activations
  /// (`QuantizedVector`) rather than the floats.
  public var takesQuantizedInput: Bool {
    switch type {
    case .q4_0, .q4_1, .q8_0, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K: true
    default: false
    }
  }

  /// output[token * rows + row] = row · input[token] for the rows in `range`
  /// and `count` inputs of `columns` floats one after another. `quantized`
  /// must hold the inputs quantized when `takesQuantizedInput`.
  public func multiply(
    _ inputs: UnsafePointer<Float>, _ quantized: QuantizedVector, count: Int = 1,
    into output: UnsafeMutablePointer<Float>, rows range: Range<Int>
  ) {
    func eachInput(_ dot: (UnsafeRawPointer, UnsafePointer<Float>) -> Float) {
      for row in range {
        for token in 0..<count {
          output[token * rows + row] = dot(data + row * rowBytes, inputs + token * columns)
        }
      }
    }
    switch type {
    case .q4_0: multiplyQuantized(Q4_0Format.self, quantized, count, output, range)
    case .q4_1: multiplyQuantized(Q4_1Format.self, quantized, count, output, range)
    case .q8_0: multiplyQuantized(Q8_0Format.self, quantized, count, output, range)
    case .q5_0: multiplyQuantized(Q5_0Format.self, quantized, count, output, range)
    case .q5_1: multiplyQuantized(Q5_1Format.self, quantized, count, output, range)
    case .q2_K: multiplyQuantized(Q2_KFormat.self, quantized, count, output, range)
    case .q3_K: multiplyQuantized(Q3_KFormat.self, quantized, count, output, range)
    case .q4_K: multiplyQuantized(Q4_KFormat.self, quantized, count, output, range)
    case .q5_K: multiplyQuantized(Q5_KFormat.self, quantized, count, output, range)
    case .q6_K: multiplyQuantized(Q6_KFormat.self, quantized, count, output, range)
    case .f32: eachInput { BlockDot.f32($0, $1, count: columns) }
    case .f16: eachInput { BlockDot.f16($0, $1, count: columns) }
    case .bf16: eachInput { BlockDot.bf16($0, $1, count: columns) }
    default:
      preconditionFailure("unsupported types are refused in init")
    }
  }

  /// Row by row, so a row's blocks stay in the first-level cache while they
  /// meet the inputs four at a time. The inputs left over (all of them when
  /// decoding one token) meet two rows at once, one from each half of the
  /// range: two sums in flight where one would wait on each fused
  /// multiply-add in turn, each half read front to back as the hardware
  /// prefetcher expects (neighbouring rows read side by side defeat it).
  /// One function per encoding: inlined into `multiply` together, ten
  /// encodings' loops make a function too large to optimize well.
  @inline(never)
  private func multiplyQuantized<Format: BlockFormat>(
    _ format: Format.Type, _ quantized: QuantizedVector, _ count: Int,
    _ output: UnsafeMutablePointer<Float>, _ range: Range<Int>
  ) {
    let blocks = columns / QuantizedVector.blockElements
    let halves = HalfDecoder()
    let grouped = count - count % 4
    if grouped > 0 {
      for row in range {
        let weights = data + row * rowBytes
        for token in Swift.stride(from: 0, to: grouped, by: 4) {
          let inputs = (
            quantized.input(token), quantized.input(token + 1), quantized.input(token + 2),
            quantized.input(token + 3)
          )
          let results = BlockDot.dot4(format, weights, inputs, blocks: blocks, halves: halves)
          for lane in 0..<4 { output[(token + lane) * rows + row] = results[lane] }
        }
      }
    }
    let half = range.count / 2
    for token in grouped..<count {
      let input = quantized.input(token)
      for first in range.lowerBound..<range.lowerBound + half {
        let second = first + half
        let results = BlockDot.dot2(
          format, (data + first * rowBytes, data + second * rowBytes), input, blocks: blocks,
          halves: halves)
        output[token * rows + first] = results[0]
        output[token * rows + second] = results[1]
      }
      if range.count % 2 == 1 {
        let last = range.upperBound - 1
        output[token * rows + last] = BlockDot.dot(
          format, data + last * rowBytes, input, blocks: blocks, halves: halves)
      }
    }
  }

  /// Writes row `row` as floats (an embedding look-up).
  public func dequantizeRow(_ row: Int, into output: UnsafeMutablePointer<Float>) {
    Dequantize.row(type: type, data + row * rowBytes, count: columns, into: output)
  }
}
