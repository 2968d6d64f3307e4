import GGUF
import Testing

@testable import Kernels

extension TestRandom {
  /// Roughly normal values (a sum of four uniforms), as trained weights are.
  mutating func bellValues(_ count: Int) -> [Float] {
    (0..<count).map { _ in (next() + next() + next() + next()) * 0.5 }
  }
}

/// The five-bit and K-quant encodings: the encoder's error, and the block
/// products against the plain definition for one input and for four at once.
@Suite struct KQuantTests {
  static let types: [TensorType] = [.q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

  /// The largest root-mean-square error of an encode-decode round trip,
  /// relative to the values' own root mean square. The encoders reach about
  /// half of these on normal and on uniform values (the test prints them).
  static func errorBound(_ type: TensorType) -> Double {
    switch type {
    case .q2_K: 0.35
    case .q3_K: 0.2
    case .q4_K: 0.1
    case .q5_K: 0.05
    case .q6_K: 0.025
    case .q5_0, .q5_1: 0.06
    default: 0
    }
  }

  static func decode(_ encoded: [UInt8], _ type: TensorType, count: Int) -> [Float] {
    var decoded = [Float](repeating: 0, count: count)
    encoded.withUnsafeBytes { raw in
      decoded.withUnsafeMutableBufferPointer {
        Dequantize.row(type: type, raw.baseAddress!, count: count, into: $0.baseAddress!)
      }
    }
    return decoded
  }

  @Test(arguments: types)
  func roundTripErrorIsBounded(type: TensorType) {
    var random = TestRandom(state: 11)
    let count = 8192
    for (shape, values) in [
      ("normal", random.bellValues(count)), ("uniform", random.values(count, scale: 0.02)),
    ] {
      let encoded = Quantize.row(values, as: type)
      #expect(encoded.count == type.rowBytes(elements: count))
      let decoded = Self.decode(encoded, type, count: count)
      var squares: Double = 0
      var errors: Double = 0
      for index in 0..<count {
        squares += Double(values[index] * values[index])
        errors += Double((decoded[index] - values[index]) * (decoded[index] - values[index]))
      }
      let relative = (errors / squares).squareRoot()
      print("\(type) \(shape): relative RMS error \(relative)")
      #expect(relative < Self.errorBound(type), "\(type) \(shape): \(relative)")
    }
  }

  @Test(arguments: types)
  func zerosAndConstantsSurvive(type: TensorType) {
    for constant: Float in [0, 0.5, -2] {
      let values = [Float](repeating: constant, count: 256)
      let decoded = Self.decode(Quantize.row(values, as: type), type, count: 256)
      for value in decoded { #expect(abs(value - constant) <= abs(constant) * 0.02 + 1e-6) }
    }
  }

  /// Row products for `inputs` activation vectors (four at a time, then one
  /// by one) equal the dequantized weights times the 8-bit activations.
  @Test(arguments: types)
  func productMatchesTheDefinition(type: TensorType) throws {
    let rows = 6
    let columns = 512
    let inputs = 5
    var random = TestRandom(state: 5)
    let weights = random.bellValues(rows * columns)
    let encoded = (0..<rows).flatMap {
      Quantize.row(Array(weights[$0 * columns..<($0 + 1) * columns]), as: type)
    }
    let input = random.values(columns * inputs, scale: 3)
    let quantized = QuantizedVector(capacity: columns, vectors: inputs)
    for vector in 0..<inputs {
      input.withUnsafeBufferPointer {
        quantized.quantize($0.baseAddress! + vector * columns, count: columns, vector: vector)
      }
    }
    var output = [Float](repeating: 0, count: rows * inputs)
    try encoded.withUnsafeBytes { raw in
      let matrix = try WeightMatrix(
        name: "w", type: type, data: raw.baseAddress!, rows: rows, columns: columns)
      #expect(matrix.takesQuantizedInput)
      output.withUnsafeMutableBufferPointer {
        matrix.multiply(input, quantized, count: inputs, into: $0.baseAddress!, rows: 0..<rows)
      }
      var single = [Float](repeating: 0, count: rows)
      single.withUnsafeMutableBufferPointer {
        matrix.multiply(input, quantized, into: $0.baseAddress!, rows: 0..<rows)
      }
      var row = [Float](repeating: 0, count: columns)
      for rowIndex in 0..<rows {
        row.withUnsafeMutableBufferPointer { matrix.dequantizeRow(rowIndex, into: $0.baseAddress!) }
        for vector in 0..<inputs {
          let base = vector * columns
          let blockScales = quantized.input(vector).scales
          var definition: Double = 0
          var magnitude: Double = 0
          for index in 0..<columns {
            let activation =
              Double(quantized.quants[base + index]) * Double(blockScales[index / 32])
            definition += Double(row[index]) * activation
            magnitude += abs(Double(row[index]) * activation)
          }
          let result = Double(output[vector * rows + rowIndex])
          #expect(
            abs(result - definition) <= 1e-3 * magnitude,
            "\(type) row \(rowIndex) input \(vector): \(result) vs \(definition)")
          if vector == 0 { #expect(single[rowIndex] == output[rowIndex]) }
        }
      }
    }
  }

  /// Decoding meets two rows at once, one from each half of the rows asked
  /// for, and a leftover row alone: every row's result must be the one-row
  /// product's, bit for bit, for any range of rows.
  @Test(arguments: [TensorType.q4_0, .q4_1, .q8_0] + types)
  func rowPairsSumAsOneRowAtATime(type: TensorType) throws {
    let rows = 9
    let columns = 512
    var random = TestRandom(state: 8)
    let encoded = (0..<rows).flatMap { _ in Quantize.row(random.bellValues(columns), as: type) }
    let input = random.values(columns, scale: 3)
    let quantized = QuantizedVector(capacity: columns)
    quantized.quantize(input, count: columns)
    try encoded.withUnsafeBytes { raw in
      let matrix = try WeightMatrix(
        name: "w", type: type, data: raw.baseAddress!, rows: rows, columns: columns)
      for range in [0..<rows, 0..<8, 1..<4, 3..<4, 2..<9] {
        var output = [Float](repeating: .nan, count: rows)
        output.withUnsafeMutableBufferPointer {
          matrix.multiply(input, quantized, into: $0.baseAddress!, rows: range)
        }
        for row in range {
          // A range of one row has no partner: the one-row product alone.
          var alone = [Float](repeating: .nan, count: rows)
          alone.withUnsafeMutableBufferPointer {
            matrix.multiply(input, quantized, into: $0.baseAddress!, rows: row..<row + 1)
          }
          #expect(
            output[row].bitPattern == alone[row].bitPattern, "\(type) rows \(range), row \(row)")
        }
      }
    }
  }

  /// The vectorized bfloat16 product over runs of 16 and any tail.
  @Test func brainFloatDotHandlesEveryLength() {
    var random = TestRandom(state: 12)
    for count in 1..<70 {
      let weights = random.values(count)
      let input = random.values(count, scale: 2)
      let encoded = Quantize.row(weights, as: .bf16)
      var expected: Double = 0
      for index in 0..<count {
        let weight = BrainFloat.toFloat(
          UInt16(encoded[2 * index]) | UInt16(encoded[2 * index + 1]) << 8)
        expected += Double(weight) * Double(input[index])
      }
      let result = encoded.withUnsafeBytes { BlockDot.bf16($0.baseAddress!, input, count: count) }
      #expect(abs(Double(result) - expected) < 1e-5 * Double(max(count, 1)), "\(count)")
    }
  }

  @Test func halfBlockSumsAreExact() {
    var random = TestRandom(state: 8)
    let values = random.values(64, scale: 2)
    let quantized = QuantizedVector(capacity: 64)
    quantized.quantize(values, count: 64)
    for half in 0..<4 {
      let sum = (0..<16).reduce(0) { $0 + Int(quantized.quants[16 * half + $1]) }
      #expect(quantized.halfSums[half] == Float(sum))
    }
  }
}
