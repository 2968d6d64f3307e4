import Foundation
import GGUF
import Testing

@testable import Kernels

/// A fixed pseudo-random sequence, so failures reproduce.
struct TestRandom {
  var state: UInt64
  mutating func next() -> Float {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
  }
  mutating func values(_ count: Int, scale: Float = 1) -> [Float] {
    (0..<count).map { _ in next() * scale }
  }
}

@Suite struct HalfTests {
  @Test func everyHalfRoundTrips() {
    for bits in 0...UInt16.max {
      let value = Half.toFloat(bits)
      if value.isNaN { continue }
      #expect(Half.fromFloat(value) == bits, "half \(bits)")
    }
  }

  @Test func agreesWithFloat16() {
    #if arch(x86_64) || arch(arm64) || arch(arm)
      var random = TestRandom(state: 7)
      for value in random.values(4000, scale: 70000) + random.values(4000, scale: 1e-5) {
        #expect(Half.fromFloat(value) == Float16(value).bitPattern, "value \(value)")
        #expect(Half.toFloat(Float16(value).bitPattern) == Float(Float16(value)))
      }
    #endif
  }
}

/// Each weight encoding: the fast row product equals the plain definition
/// (dequantized weights times dequantized activations) within float rounding,
/// and stays close to the unquantized product.
@Suite struct BlockProductTests {
  static let types: [TensorType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1]

  @Test(arguments: types)
  func productMatchesTheDefinition(type: TensorType) throws {
    let rows = 5
    let columns = 256
    var random = TestRandom(state: 42)
    let weights = random.values(rows * columns)
    let input = random.values(columns, scale: 3)
    let encoded = (0..<rows).flatMap {
      Quantize.row(Array(weights[$0 * columns..<($0 + 1) * columns]), as: type)
    }
    let quantized = QuantizedVector(capacity: columns)
    quantized.quantize(input, count: columns)
    var output = [Float](repeating: 0, count: rows)
    try encoded.withUnsafeBytes { raw in
      let matrix = try WeightMatrix(
        name: "w", type: type, data: raw.baseAddress!, rows: rows, columns: columns)
      output.withUnsafeMutableBufferPointer {
        matrix.multiply(input, quantized, into: $0.baseAddress!, rows: 0..<rows)
      }

      // The activations the product sees: floats, or their 8-bit form.
      var activations = input
      if matrix.takesQuantizedInput {
        for index in 0..<columns {
          activations[index] = Float(quantized.quants[index]) * quantized.scales[index / 32]
        }
      }
      var row = [Float](repeating: 0, count: columns)
      for rowIndex in 0..<rows {
        row.withUnsafeMutableBufferPointer { matrix.dequantizeRow(rowIndex, into: $0.baseAddress!) }
        var definition: Double = 0
        var exact: Double = 0
        for index in 0..<columns {
          definition += Double(row[index]) * Double(activations[index])
          exact += Double(weights[rowIndex * columns + index]) * Double(input[index])
        }
        // Q4_1's offset term uses the half-rounded activation sum.
        let tolerance =
          type == .q4_1 ? 0.02 * max(1, abs(definition)) : 1e-3 * max(1, abs(definition))
        #expect(abs(Double(output[rowIndex]) - definition) <= tolerance, "\(type) row \(rowIndex)")
        // Quantization error bound: a few percent of the magnitude.
        let scale = Double(columns).squareRoot() * 3
        #expect(
          abs(Double(output[rowIndex]) - exact) <= 0.1 * scale, "\(type) row \(rowIndex) vs exact")
      }
    }
  }

  @Test(arguments: types)
  func dequantizeInvertsQuantize(type: TensorType) {
    var random = TestRandom(state: 3)
    let values = random.values(64)
    let encoded = Quantize.row(values, as: type)
    #expect(encoded.count == type.rowBytes(elements: 64))
    var decoded = [Float](repeating: 0, count: 64)
    encoded.withUnsafeBytes { raw in
      decoded.withUnsafeMutableBufferPointer {
        Dequantize.row(type: type, raw.baseAddress!, count: 64, into: $0.baseAddress!)
      }
    }
    let step: Float =
      switch type {
      case .f32: 0
      case .f16: 1e-3
      case .bf16: 8e-3
      case .q8_0: 1.0 / 127
      default: 1.0 / 7
      }
    for index in 0..<64 {
      #expect(abs(decoded[index] - values[index]) <= step * 1.01 + 1e-7, "\(type) \(index)")
    }
  }

  @Test func refusesTypesWithoutKernels() {
    let bytes = [UInt8](repeating: 0, count: 36)
    bytes.withUnsafeBytes { raw in
      #expect(throws: KernelError.unsupportedType(tensor: "w", type: .q8_1)) {
        try WeightMatrix(name: "w", type: .q8_1, data: raw.baseAddress!, rows: 1, columns: 32)
      }
      // A row that does not fill whole blocks is refused too, naming the tensor.
      #expect(throws: KernelError.partialBlocks(tensor: "v", type: .q4_K, columns: 32)) {
        try WeightMatrix(name: "v", type: .q4_K, data: raw.baseAddress!, rows: 1, columns: 32)
      }
    }
  }

  @Test func quantizedActivationsAreExactForSmallIntegers() {
    let values: [Float] = (0..<32).map { Float($0 - 16) * 0.5 }
    let quantized = QuantizedVector(capacity: 32)
    quantized.quantize(values, count: 32)
    for index in 0..<32 {
      let restored = Float(quantized.quants[index]) * quantized.scales[0]
      #expect(abs(restored - values[index]) <= quantized.scales[0] / 2 + 1e-6)
    }
  }
}

@Suite struct VectorMathTests {
  @Test func softmaxSumsToOne() {
    var values: [Float] = [1, 2, 3, 1000, -5]
    values.withUnsafeMutableBufferPointer { VectorMath.softmax($0.baseAddress!, count: 5) }
    #expect(abs(values.reduce(0, +) - 1) < 1e-6)
    #expect(values[3] > 0.999)
  }

  /// Sixteen exponentials at once give the one-at-a-time floats exactly;
  /// where a lane's power of two leaves the normal range the whole run is
  /// handed back to the scalar code.
  @Test func vectorExponentialsMatchTheScalarOnes() {
    var random = TestRandom(state: 11)
    var vectorized = 0
    for scale: Float in [0.01, 1, 10, 60, 90, 200] {
      for _ in 0..<500 {
        let x = SIMD16<Float>(random.values(16, scale: scale))
        guard let lanes = VectorMath.exponentials(x) else {
          #if arch(arm64) || FUSED_MULTIPLY_ADD
            let inRange = (0..<16).allSatisfy { abs(x[$0]) < 87 }
            #expect(!inRange, "a run in range was refused: \(x)")
          #endif
          continue
        }
        vectorized += 1
        for lane in 0..<16 {
          #expect(
            lanes[lane].bitPattern == VectorMath.exponential(x[lane]).bitPattern,
            "e^\(x[lane])")
        }
      }
    }
    #if arch(arm64) || FUSED_MULTIPLY_ADD
      #expect(vectorized >= 1500)
    #else
      #expect(vectorized == 0)
    #endif
  }

  /// Softmax and SwiGLU over lengths that take the vector runs, the scalar
  /// runs (a value far below the largest) and the tails agree with their
  /// definitions.
  @Test func softmaxAndSwiGLUMatchTheirDefinitions() {
    var random = TestRandom(state: 12)
    for count in [1, 15, 16, 17, 48, 100] {
      var values = random.values(count, scale: 8)
      if count > 20 { values[20] = -500 }
      var softmax = values
      softmax.withUnsafeMutableBufferPointer { VectorMath.softmax($0.baseAddress!, count: count) }
      let largest = values.max()!
      let total = values.map { Double(exp($0 - largest)) }.reduce(0, +)
      for index in 0..<count {
        let expected = Double(exp(values[index] - largest)) / total
        #expect(abs(Double(softmax[index]) - expected) <= 1e-6, "softmax \(count) at \(index)")
      }
      let up = random.values(count, scale: 2)
      var gate = values
      gate.withUnsafeMutableBufferPointer { VectorMath.swiGLU($0.baseAddress!, up, count: count) }
      for index in 0..<count {
        let value = values[index]
        let expected = value / (1 + exp(-value)) * up[index]
        #expect(abs(gate[index] - expected) <= 1e-5 * max(1, abs(expected)), "swiGLU at \(index)")
      }
    }
  }

  @Test func rmsNormMatchesTheFormula() {
    let input: [Float] = [1, -2, 3, -4]
    let weight: [Float] = [1, 1, 2, 0.5]
    var output = [Float](repeating: 0, count: 4)
    output.withUnsafeMutableBufferPointer {
      VectorMath.rmsNorm($0.baseAddress!, input, weight: weight, count: 4, epsilon: 1e-5)
    }
    let rms = (Float(1 + 4 + 9 + 16) / 4 + 1e-5).squareRoot()
    for index in 0..<4 { #expect(abs(output[index] - input[index] / rms * weight[index]) < 1e-6) }
  }

  /// GeGLU against GELU's tanh formula in double, over the range where
  /// the gate is neither 0 nor x, past both ends, and on every tail length.
  @Test func geGLUMatchesTheFormula() {
    for count in [1, 7, 8, 13, 64, 101] {
      let gate = (0..<count).map { Float($0) / Float(max(count - 1, 1)) * 24 - 12 }
      let up = (0..<count).map { Float($0 % 5) - 1.5 }
      var output = gate
      output.withUnsafeMutableBufferPointer { VectorMath.geGLU($0.baseAddress!, up, count: count) }
      for index in 0..<count {
        let x = Double(gate[index])
        let gelu = 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
        let expected = gelu * Double(up[index])
        #expect(
          abs(Double(output[index]) - expected) <= 2e-6 * max(1, abs(expected)),
          "x = \(x): \(output[index]) for \(expected)")
      }
    }
  }

  @Test func softCapBoundsValues() {
    var values: [Float] = [-100, -1, 0, 0.5, 3, 1000]
    values.withUnsafeMutableBufferPointer { VectorMath.softCap($0.baseAddress!, count: 6, cap: 5) }
    let expected: [Float] = [-5, 5 * tanhf(-0.2), 0, 5 * tanhf(0.1), 5 * tanhf(0.6), 5]
    for (value, wanted) in zip(values, expected) { #expect(abs(value - wanted) < 1e-6) }
  }

  /// The value products of attention sum many rows at once, through an
  /// 8 x 8 transpose where halves convert eight at a time; each row must come
  /// out exactly as the one-row product sums it, whatever the row count and
  /// length, with values whose exponents spread widely.
  @Test func halfRowProductsMatchOneRowAtATime() {
    var random = TestRandom(state: 11)
    let stride = 200
    for rowCount in [1, 7, 8, 9, 16, 19] {
      let rows = Self.spreadHalves(rowCount * stride, &random)
      let weights: [UInt16] = (0..<stride).map { _ in Half.fromFloat(abs(random.next())) }
      for count in [0, 1, 8, 31, 32, 63, 64, 65, 71, 96, 128, 130, 160, 199] {
        var batched = [Float](repeating: .nan, count: rowCount)
        rows.withUnsafeBufferPointer {
          VectorMath.dot(
            halfRows: HalfRuns($0.baseAddress!), stride: stride, rowCount: rowCount, weights,
            count: count, into: &batched)
        }
        for row in 0..<rowCount {
          let single = rows.withUnsafeBufferPointer {
            VectorMath.dot(halves: HalfRuns($0.baseAddress! + row * stride), weights, count: count)
          }
          #expect(
            batched[row].bitPattern == single.bitPattern,
            "rows \(rowCount), length \(count), row \(row)")
        }
      }
    }
  }

  /// The value cache keeps rows in tiles: each tile holds 32 elements of
  /// every row. Every half product must read a tiled row exactly as the same
  /// row in one piece.
  @Test func tiledRowsMultiplyAsRowsInOnePiece() {
    var random = TestRandom(state: 12)
    let run = HalfRuns.runLength
    for (rowCount, tiles) in [(1, 1), (8, 3), (19, 5), (64, 4)] {
      let length = tiles * run
      let plain = Self.spreadHalves(rowCount * length, &random)
      // Tile t holds elements t * 32 ..< (t + 1) * 32 of each row, row after row.
      var tiled = [UInt16](repeating: 0, count: plain.count)
      for row in 0..<rowCount {
        for element in 0..<length {
          tiled[(element / run * rowCount + row) * run + element % run] =
            plain[row * length + element]
        }
      }
      let weights: [UInt16] = (0..<length).map { _ in Half.fromFloat(abs(random.next())) }
      for count in Set([0, 16, 32, 64, length]) where count <= length {
        var fromTiles = [Float](repeating: .nan, count: rowCount)
        var fromPlain = [Float](repeating: .nan, count: rowCount)
        tiled.withUnsafeBufferPointer { tiled in
          plain.withUnsafeBufferPointer { plain in
            let runs = HalfRuns(tiled.baseAddress!, runStride: rowCount * run)
            VectorMath.dot(
              halfRows: runs, stride: run, rowCount: rowCount, weights, count: count,
              into: &fromTiles)
            VectorMath.dot(
              halfRows: HalfRuns(plain.baseAddress!), stride: length, rowCount: rowCount,
              weights, count: count, into: &fromPlain)
            for row in 0..<rowCount {
              let tiledRow = runs.advanced(by: row * run)
              let plainRow = HalfRuns(plain.baseAddress! + row * length)
              let what = "rows \(rowCount), length \(count), row \(row)"
              #expect(fromTiles[row].bitPattern == fromPlain[row].bitPattern, "\(what)")
              #expect(
                VectorMath.laneDot(halves: tiledRow, weights, count: count).bitPattern
                  == VectorMath.laneDot(halves: plainRow, weights, count: count).bitPattern,
                "\(what)")
              #expect(
                VectorMath.dot(halves: tiledRow, weights, count: count).bitPattern
                  == fromPlain[row].bitPattern, "\(what)")
            }
          }
        }
      }
    }
  }

  /// Halves whose exponents spread widely, so a change in summation order
  /// shows in the result.
  static func spreadHalves(_ count: Int, _ random: inout TestRandom) -> [UInt16] {
    (0..<count).map { _ in
      let exponent = Int(abs(random.next()) * 40) - 24
      return Half.fromFloat(random.next() * Float(sign: .plus, exponent: exponent, significand: 1))
    }
  }

  @Test func transposedSwapsRowsAndColumns() {
    func row(_ r: Int) -> SIMD8<Float> { SIMD8((0..<8).map { Float(10 * r + $0) }) }
    let m = VectorMath.transposed((row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7)))
    let columns = [m.0, m.1, m.2, m.3, m.4, m.5, m.6, m.7]
    for c in 0..<8 {
      for r in 0..<8 { #expect(columns[c][r] == Float(10 * r + c)) }
    }
  }

  @Test func dotHandlesEveryLength() {
    var random = TestRandom(state: 9)
    for count in 0..<70 {
      let a = random.values(count)
      let b = random.values(count)
      let expected = zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 }
      #expect(abs(VectorMath.dot(a, b, count: count) - expected) < 1e-4)
    }
  }
}
