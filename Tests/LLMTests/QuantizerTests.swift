import Foundation
import GGUF
import Kernels
import TestSupport
import Testing

@testable import LLM

/// Which type each tensor gets, and re-encoding a small model.
@Suite struct QuantizerTests {
  @Test func schemesParseTheirNames() {
    #expect(QuantizationScheme(name: "Q4_K_M") == .mix(.q4_K))
    #expect(QuantizationScheme(name: "q5_k_m") == .mix(.q5_K))
    #expect(QuantizationScheme(name: "Q8_0") == .uniform(.q8_0))
    #expect(QuantizationScheme(name: "BF16") == .uniform(.bf16))
    #expect(QuantizationScheme(name: "Q8_1") == nil)
    #expect(QuantizationScheme(name: "IQ2_XXS") == nil)
    #expect(QuantizationScheme(name: "Q9") == nil)
    #expect(QuantizationScheme.mix(.q4_K).fileType == 15)
    #expect(QuantizationScheme.mix(.q5_K).fileType == 17)
  }

  @Test func mixesFollowTheLayerRule() {
    let scheme = QuantizationScheme.mix(.q4_K)
    func type(_ name: String, columns: Int = 1024, hasOutput: Bool = true) -> TensorType {
      scheme.type(for: name, columns: columns, layers: 24, hasOutput: hasOutput).type
    }
    // Layers 0-2 and 21-23, and every third from 3 on: 5, 8, ...
    let more = (0..<24).filter { type("blk.\($0).ffn_down.weight") == .q6_K }
    #expect(more == [0, 1, 2, 5, 8, 11, 14, 17, 20, 21, 22, 23])
    #expect(type("blk.4.attn_v.weight") == .q4_K)
    #expect(type("blk.5.attn_v.weight") == .q6_K)
    #expect(type("blk.0.attn_q.weight") == .q4_K)
    #expect(type("output.weight") == .q6_K)
    #expect(type("token_embd.weight") == .q4_K)
    #expect(type("token_embd.weight", hasOutput: false) == .q6_K)
    // Rows that blocks of 256 do not divide.
    #expect(type("blk.0.attn_q.weight", columns: 576) == .q5_0)
    #expect(type("blk.0.ffn_down.weight", columns: 576) == .q8_0)
    #expect(type("blk.0.attn_q.weight", columns: 40) == .f16)
    let fallback = scheme.type(
      for: "blk.3.attn_k.weight", columns: 576, layers: 24, hasOutput: true)
    #expect(fallback.fallback?.contains("stored as Q5_0") == true)
    #expect(
      QuantizationScheme.uniform(.q8_0).type(
        for: "output.weight", columns: 512, layers: 2, hasOutput: true
      ).type == .q8_0)
  }

  /// A tiny float model re-encoded to each scheme computes what its decoded
  /// weights say, and its tables say what was done.
  @Test(arguments: ["Q4_K_M", "Q5_K_M", "Q2_K", "Q3_K", "Q6_K", "Q5_0", "Q5_1", "BF16", "Q8_0"])
  func reencodesATinyModel(name: String) throws {
    var model = TinyModel()
    model.dimension = 256
    model.headCount = 4
    model.feedForward = 512
    let folder = try TemporaryFolder()
    let input = folder.path("tiny.gguf")
    try Data(model.bytes()).write(to: URL(fileURLWithPath: input))
    let output = folder.path("tiny-\(name).gguf")
    let scheme = try #require(QuantizationScheme(name: name))
    let report = try ModelQuantizer(scheme: scheme).quantize(input: input, output: output)
    #expect(report.fallbacks.isEmpty)
    let source = try GGUFFile(path: input)
    let written = try GGUFFile(path: output)
    #expect(try written.integer("general.file_type") == Int(scheme.fileType))
    #expect(written.metadataKeys.contains("llama.block_count"))
    #expect(written.tensors.map(\.name) == source.tensors.map(\.name))
    #expect(report.outputBytes == written.memory.count)
    for tensor in written.tensors {
      let original = try #require(source.tensor(named: tensor.name))
      #expect(tensor.dimensions == original.dimensions)
      if tensor.dimensions.count == 1 { #expect(tensor.type == .f32) }
      // Every weight decodes close to the float it came from.
      let count = tensor.elementCount
      var decoded = [Float](repeating: 0, count: count)
      var reference = [Float](repeating: 0, count: count)
      decoded.withUnsafeMutableBufferPointer {
        Dequantize.row(
          type: tensor.type, written.data(of: tensor), count: count, into: $0.baseAddress!)
      }
      reference.withUnsafeMutableBufferPointer {
        Dequantize.row(
          type: original.type, source.data(of: original), count: count, into: $0.baseAddress!)
      }
      var squares: Double = 0
      var errors: Double = 0
      for index in 0..<count {
        squares += Double(reference[index] * reference[index])
        errors += Double((decoded[index] - reference[index]) * (decoded[index] - reference[index]))
      }
      #expect((errors / max(squares, 1e-30)).squareRoot() < 0.35, "\(name) \(tensor.name)")
    }
    // The mixes give more bits where the rules say (of two layers, the last).
    if name == "Q4_K_M" {
      #expect(written.tensor(named: "blk.0.ffn_down.weight")?.type == .q4_K)
      #expect(written.tensor(named: "blk.1.ffn_down.weight")?.type == .q6_K)
      #expect(written.tensor(named: "blk.0.ffn_up.weight")?.type == .q4_K)
      #expect(written.tensor(named: "token_embd.weight")?.type == .q6_K)
    }
    // And it runs.
    let transformer = try Transformer(file: written, threads: 1)
    _ = transformer
  }

  @Test func refusesClearly() throws {
    let folder = try TemporaryFolder()
    var model = TinyModel()
    let input = folder.path("tiny.gguf")
    try Data(model.bytes()).write(to: URL(fileURLWithPath: input))
    let quantizer = ModelQuantizer(scheme: .uniform(.q8_0))
    #expect(throws: QuantizeError.outputExists(input)) {
      try quantizer.quantize(input: input, output: input)
    }
    let missing = #expect(throws: QuantizeError.self) {
      try quantizer.quantize(input: folder.path("none.gguf"), output: folder.path("out.gguf"))
    }
    #expect(missing?.description.hasPrefix("cannot open \(folder.path("none.gguf"))") == true)
    // A tensor in a type without a decoder cannot be re-encoded.
    model.typeOverrides = ["blk.0.ffn_up.weight": .q8_1]
    let odd = folder.path("odd.gguf")
    try Data(model.bytes()).write(to: URL(fileURLWithPath: odd))
    #expect(throws: QuantizeError.cannotDecode(tensor: "blk.0.ffn_up.weight", type: .q8_1)) {
      try quantizer.quantize(input: odd, output: folder.path("out.gguf"))
    }
    #expect(!FileManager.default.fileExists(atPath: folder.path("out.gguf")))
    #expect(!FileManager.default.fileExists(atPath: folder.path("out.gguf.partial")))
  }

  /// `model info` names each unsupported part of a file.
  @Test func summaryNamesWhatIsUnsupported() throws {
    var writer = GGUFWriter()
    writer.set("general.architecture", .string("mamba"))
    writer.set("tokenizer.ggml.model", .string("rwkv"))
    writer.addTensor("norm.weight", dimensions: [32], floats: [Float](repeating: 1, count: 32))
    writer.addTensor(
      "a.weight", dimensions: [256, 2], type: .iq2_XXS, data: [UInt8](repeating: 0, count: 132))
    writer.addTensor(
      "b.weight", dimensions: [32, 1], type: .q8_1, data: [UInt8](repeating: 0, count: 36))
    let file = try GGUFFile(memory: MappedMemory(copying: writer.bytes()))
    let summary = ModelSummary(file: file)
    #expect(summary.problems.count == 4)
    #expect(summary.problems.contains { $0.contains("architecture 'mamba' is not supported") })
    #expect(summary.problems.contains { $0.contains("IQ2_XXS") && $0.contains("'a.weight'") })
    #expect(summary.problems.contains { $0.contains("Q8_1") && $0.contains("'b.weight'") })
    #expect(summary.problems.contains { $0.contains("tokenizer model 'rwkv' is not supported") })
  }
}

/// The decoders against the reference runtime's own definitions: its Python
/// package `gguf` (installed by scripts/install in the cache's venv) decodes
/// files that `ModelQuantizer` wrote, and every value must agree with
/// `Dequantize` within 1e-6 of the tensor's largest magnitude. Files named
/// in `AISTICK_CROSS_CHECK` (separated by colons), such as ones the
/// reference quantizer wrote, are checked too.
@Suite struct ReferenceDecodingTests {
  func compare(_ path: String, folder: TemporaryFolder) throws {
    let values = folder.path("values.f32")
    let script = Checkout.root.appendingPathComponent("Tests/LLMTests/Reference/dequantize.py")
    try requireCommand(InstalledTools.python(), [script.path, path, values])
    let reference = try Data(contentsOf: URL(fileURLWithPath: values))
    let file = try GGUFFile(path: path)
    var offset = 0
    for tensor in file.tensors {
      let count = tensor.elementCount
      #expect(offset + count * 4 <= reference.count, "\(tensor.name)")
      guard offset + count * 4 <= reference.count else { return }
      defer { offset += count * 4 }
      // Types this engine does not run (IQ4_NL in the reference's Q2_K files).
      guard WeightMatrix.supportedTypes.contains(tensor.type) else { continue }
      var decoded = [Float](repeating: 0, count: count)
      decoded.withUnsafeMutableBufferPointer {
        Dequantize.row(
          type: tensor.type, file.data(of: tensor), count: count, into: $0.baseAddress!)
      }
      let expected = reference.withUnsafeBytes { raw in
        (0..<count).map { raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: Float.self) }
      }
      let largest = expected.reduce(Float(0)) { max($0, abs($1)) }
      let worst = zip(decoded, expected).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
      #expect(
        worst <= 1e-6 * largest, "\(path) \(tensor.name) (\(tensor.type)): \(worst) of \(largest)")
    }
    #expect(offset == reference.count)
  }

  @Test(arguments: QuantizationScheme.names)
  func decodersAgreeWithTheReference(name: String) throws {
    var model = TinyModel()
    model.dimension = 256
    model.feedForward = 512
    let folder = try TemporaryFolder()
    let input = folder.path("tiny.gguf")
    try Data(model.bytes()).write(to: URL(fileURLWithPath: input))
    let output = folder.path("tiny-\(name).gguf")
    _ = try ModelQuantizer(scheme: try #require(QuantizationScheme(name: name)))
      .quantize(input: input, output: output)
    try compare(output, folder: folder)
  }

  @Test func filesFromElsewhereAgree() throws {
    let paths = (ProcessInfo.processInfo.environment["AISTICK_CROSS_CHECK"] ?? "")
      .split(separator: ":").map(String.init)
    for path in paths { try compare(path, folder: try TemporaryFolder()) }
  }
}
