import GGUF
import Kernels
import Testing

@testable import LLM

/// The engine's forward pass against the plain reference, on tiny models
/// covering what the default model does not: qwen2 biases and the halves
/// rotary layout, untied outputs, grouped heads, and every weight type.
@Suite struct ForwardPassTests {
  static let shapes: [(architecture: String, type: TensorType, tied: Bool)] = [
    ("llama", .f32, true), ("llama", .f16, false), ("llama", .bf16, true),
    ("llama", .q8_0, false), ("llama", .q4_0, true), ("llama", .q4_1, false),
    ("qwen2", .f32, false), ("qwen2", .q8_0, true), ("qwen2", .q4_0, false),
  ]

  @Test(arguments: shapes.indices)
  func matchesTheReference(shape: Int) throws {
    let (architecture, type, tied) = Self.shapes[shape]
    var model = TinyModel()
    model.architecture = architecture
    model.weightType = type
    model.tiedOutput = tied
    model.seed = UInt64(shape + 1)
    let file = try GGUFFile(memory: MappedMemory(copying: model.bytes()))
    let transformer = try Transformer(file: file, contextLength: 32, threads: 2)
    let tokens: [Int32] = [3, 17, 5, 42, 8, 8, 30, 1, 0, 47, 12, 22]
    let reference = model.referenceLogits(tokens)
    for (position, token) in tokens.enumerated() {
      let logits = transformer.forward(token: token, position: position)
      let expected = reference[position]
      let range = (expected.max()! - expected.min()!)
      var worst = 0.0
      for index in 0..<model.vocabulary {
        worst = max(worst, abs(Double(logits[index]) - expected[index]))
      }
      // Float weights differ from the reference only by the half-precision
      // cache; 8-bit activations add about a percent.
      let tolerance = type == .f32 || type == .f16 || type == .bf16 ? 0.01 : 0.06
      #expect(
        worst <= tolerance * range,
        "\(architecture) \(type) position \(position): \(worst) of \(range)")
    }
  }

  /// Float query matrices among 8-bit ones: the key product must quantize the
  /// normalized input itself, not reuse an older 8-bit copy.
  @Test func mixedTypesMatchTheReference() throws {
    var model = TinyModel()
    model.weightType = .q8_0
    for layer in 0..<model.layerCount { model.mixedTypes["blk.\(layer).attn_q.weight"] = .f16 }
    let file = try GGUFFile(memory: MappedMemory(copying: model.bytes()))
    let transformer = try Transformer(file: file, contextLength: 32, threads: 2)
    let tokens: [Int32] = [3, 17, 5, 42, 8, 30]
    let reference = model.referenceLogits(tokens)
    for (position, token) in tokens.enumerated() {
      let logits = transformer.forward(token: token, position: position)
      let expected = reference[position]
      let range = expected.max()! - expected.min()!
      let worst = (0..<model.vocabulary).map { abs(Double(logits[$0]) - expected[$0]) }.max()!
      #expect(worst <= 0.06 * range, "position \(position): \(worst) of \(range)")
    }
  }

  func refusal(_ change: (inout TinyModel) -> Void) throws -> String {
    var model = TinyModel()
    change(&model)
    return try model.refusal()
  }

  @Test func refusesWhatItCannotRun() throws {
    #expect(
      try refusal { $0.architecture = "mamba" }.contains("architecture 'mamba' is not supported"))
    #expect(
      try refusal { $0.typeOverrides = ["blk.1.ffn_up.weight": .q8_1] }
        == "tensor 'blk.1.ffn_up.weight' is Q8_1, which this engine cannot compute with "
        + "(it runs F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K "
        + "and Q6_K)")
    #expect(
      try refusal { $0.omitted = ["blk.0.attn_k.weight"] }
        == "the model has no tensor 'blk.0.attn_k.weight'")
    #expect(
      try refusal { $0.claimedFeedForward = 128 }.contains("has shape [64, 96], expected [64, 128]")
    )
    #expect(try refusal { $0.headCount = 5 }.contains("hyperparameters are not usable"))
    #expect(try refusal { $0.keyValueHeadCount = 3 }.contains("hyperparameters are not usable"))
  }
}
