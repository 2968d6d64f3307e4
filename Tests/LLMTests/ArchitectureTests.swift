import Foundation
import GGUF
import Kernels
import TestSupport
import Testing

@testable import LLM

/// Every supported architecture against an independent reference: tiny
/// random-weight models written as GGUF files, run by the engine token by
/// token and as prompts, and by `Reference/forward.py`, a float64 numpy
/// forward pass written from the architectures' definitions that reads the
/// same file with the reference runtime's own `gguf` package.
@Suite struct ArchitectureTests {
  /// (label, architecture, weight type); "phi3-short" keeps LongRoPE's
  /// context within the original one, so the short factors apply.
  static let cases: [(label: String, architecture: String, type: TensorType)] = [
    ("llama", "llama", .f32), ("llama", "llama", .q8_0),
    ("qwen2", "qwen2", .f32), ("qwen2", "qwen2", .q8_0),
    ("qwen3", "qwen3", .f32), ("qwen3", "qwen3", .q8_0),
    ("gemma2", "gemma2", .f32), ("gemma2", "gemma2", .q8_0),
    ("gemma3", "gemma3", .f32), ("gemma3", "gemma3", .q8_0),
    ("phi3", "phi3", .f32), ("phi3", "phi3", .q8_0), ("phi3-short", "phi3", .f32),
  ]

  /// Tokens run through each model: more than the sliding windows below.
  static let tokens: [Int32] = [
    3, 17, 5, 42, 8, 8, 30, 1, 0, 47, 12, 22, 9, 33, 40, 2, 19, 27, 6, 44,
  ]
  static let contextLength = 32

  /// A tiny model with each feature of its architecture switched on and
  /// sized to matter: a head size unlike dimension / heads, windows shorter
  /// than the tokens, soft caps below the scores and logits they cap.
  static func model(_ label: String, _ architecture: String, _ type: TensorType) -> TinyModel {
    var model = TinyModel()
    model.architecture = architecture
    model.weightType = type
    model.seed = UInt64(label.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }) &+ UInt64(type.rawValue)
    switch label {
    case "qwen2":
      model.tiedOutput = false
    case "qwen3":
      model.keyLength = 24
      model.ropeBase = 1_000_000
    case "gemma2":
      model.layerCount = 3
      model.slidingWindow = 6
      model.attentionSoftCap = 5
      model.finalSoftCap = 3
      model.queryKeyScale = 1
    case "gemma3":
      // Layers 0-4 and 6 are local (window 5, base 10000, unscaled); layer
      // 5 is global (base 100 so that its angles are large, positions scaled
      // by 1/4).
      model.layerCount = 7
      model.keyLength = 32
      model.slidingWindow = 5
      model.ropeBase = 100
      model.extraMetadata = [
        "gemma3.rope.scaling.type": .string("linear"), "gemma3.rope.scaling.factor": .float32(4),
      ]
    case "phi3":
      model.tiedOutput = false
      model.longRope = (originalContext: 16, attentionFactor: 1.19)
      // Written by Phi-3 converters, not applied by llama.cpp (nor here).
      model.slidingWindow = 4
    case "phi3-short":
      model.longRope = (originalContext: 48, attentionFactor: 1.07)
    default:
      break
    }
    return model
  }

  /// The reference's logits for `tokens`, one row per position.
  static func referenceLogits(_ path: String, vocabulary: Int) throws -> [[Float]] {
    let script = Checkout.root.appendingPathComponent("Tests/LLMTests/Reference/forward.py")
    let result = try requireCommand(
      InstalledTools.python(),
      [script.path, path, "--context", "\(contextLength)"] + tokens.map { "\($0)" })
    let bytes = result.outputBytes
    #expect(bytes.count == tokens.count * vocabulary * 4)
    return (0..<tokens.count).map { position in
      (0..<vocabulary).map { index in
        let offset = (position * vocabulary + index) * 4
        return Float(
          bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
            | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
      }
    }
  }

  /// The worst difference over a position's logits as a fraction of their
  /// range. Float weights differ from the reference by the half-precision
  /// cache; 8-bit weights and activations add about a percent.
  static func worstDifference(
    _ logits: UnsafePointer<Float>, _ expected: [Float]
  ) -> Double {
    let range = Double(expected.max()! - expected.min()!)
    var worst = 0.0
    for (index, value) in expected.enumerated() {
      worst = max(worst, abs(Double(logits[index]) - Double(value)))
    }
    return worst / range
  }

  static func tolerance(_ type: TensorType) -> Double { type == .f32 ? 0.005 : 0.02 }

  @Test(arguments: cases.indices)
  func matchesTheReference(index: Int) throws {
    let (label, architecture, type) = Self.cases[index]
    var model = Self.model(label, architecture, type)
    let folder = try TemporaryFolder()
    let path = folder.path("\(label).gguf")
    try Data(model.bytes()).write(to: URL(fileURLWithPath: path))
    let reference = try Self.referenceLogits(path, vocabulary: model.vocabulary)
    guard reference.count == Self.tokens.count else { return }
    let file = try GGUFFile(path: path)
    let tolerance = Self.tolerance(type)
    var worst = 0.0

    // Token by token.
    let transformer = try Transformer(file: file, contextLength: Self.contextLength, threads: 2)
    #expect(transformer.config.architecture == architecture)
    for (position, token) in Self.tokens.enumerated() {
      let difference = Self.worstDifference(
        transformer.forward(token: token, position: position), reference[position])
      worst = max(worst, difference)
      #expect(difference <= tolerance, "\(label) \(type) token \(position): \(difference)")
    }

    // As prompts: whole prefixes, and one prompt continued by another so
    // the second batch attends to keys the first one cached.
    let prompts = try Transformer(file: file, contextLength: Self.contextLength, threads: 2)
    let tokens = Self.tokens[...]
    for length in [1, 6, 11, 16, tokens.count] {
      let difference = Self.worstDifference(
        prompts.prefill(tokens.prefix(length), from: 0), reference[length - 1])
      worst = max(worst, difference)
      #expect(difference <= tolerance, "\(label) \(type) prompt of \(length): \(difference)")
    }
    _ = prompts.prefill(tokens.prefix(7), from: 0)
    let difference = Self.worstDifference(
      prompts.prefill(tokens.dropFirst(7), from: 7), reference[tokens.count - 1])
    worst = max(worst, difference)
    #expect(difference <= tolerance, "\(label) \(type) prompt continued: \(difference)")
    print("\(label) \(type): worst difference \(worst) of the logits' range")
  }

  func refusal(_ architecture: String, _ change: (inout TinyModel) -> Void) throws -> String {
    var model = Self.model(architecture, architecture, .f32)
    change(&model)
    return try model.refusal()
  }

  @Test func refusesBadMetadataAndMissingTensors() throws {
    #expect(
      try refusal("qwen3") { $0.omitted = ["blk.1.attn_q_norm.weight"] }
        == "the model has no tensor 'blk.1.attn_q_norm.weight'")
    #expect(
      try refusal("gemma3") { $0.omitted = ["blk.0.attn_k_norm.weight"] }
        == "the model has no tensor 'blk.0.attn_k_norm.weight'")
    #expect(
      try refusal("gemma2") { $0.omitted = ["blk.2.post_ffw_norm.weight"] }
        == "the model has no tensor 'blk.2.post_ffw_norm.weight'")
    #expect(
      try refusal("gemma2") { $0.slidingWindow = 0 }
        == "the model's hyperparameters are not usable: a sliding window of 0 positions")
    #expect(
      try refusal("gemma2") { $0.attentionSoftCap = 0 }
        == "the model's hyperparameters are not usable: attention logit soft-capping of 0.0")
    #expect(
      try refusal("gemma3") { $0.finalSoftCap = -3 }
        == "the model's hyperparameters are not usable: final logit soft-capping of -3.0")
    #expect(
      try refusal("phi3") { $0.omitted = ["rope_factors_short.weight"] }
        == "the model has no tensor 'rope_factors_short.weight'")
    #expect(
      try refusal("phi3") { $0.claimedFeedForward = 64 }
        == "tensor 'blk.0.ffn_up.weight' has shape [64, 192], expected [64, 128]")
    #expect(
      try refusal("qwen3") { $0.extraMetadata = ["qwen3.attention.value_length": .uint32(16)] }
        == "the model's hyperparameters are not usable: values of 16 dimensions with keys of 24")
    #expect(
      try refusal("phi3") { $0.extraMetadata = ["phi3.rope.dimension_count": .uint32(8)] }
        == "the model's hyperparameters are not usable: "
        + "rotary embedding of 8 of a head's 16 dimensions")
  }

  /// `model info` calls every architecture here supported, and says why a
  /// file of one is not usable.
  @Test func summaryCallsTheArchitecturesSupported() throws {
    for architecture in ["llama", "qwen2", "qwen3", "gemma2", "gemma3", "phi3"] {
      var model = Self.model(architecture, architecture, .f32)
      let file = try GGUFFile(memory: MappedMemory(copying: model.bytes()))
      #expect(ModelSummary(file: file).problems == [], "\(architecture)")
    }
    var model = Self.model("gemma2", "gemma2", .f32)
    model.slidingWindow = 0
    let file = try GGUFFile(memory: MappedMemory(copying: model.bytes()))
    #expect(
      ModelSummary(file: file).problems == [
        "the model's hyperparameters are not usable: a sliding window of 0 positions"
      ])
  }
}
