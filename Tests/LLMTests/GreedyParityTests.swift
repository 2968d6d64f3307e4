import Testing
import Tokenizer

@testable import LLM

/// Greedy decoding of the default model against the reference runtime's
/// token ids on the same prompts.
@Suite(.serialized) struct GreedyParityTests {
  @Test func fixturesArePresent() {
    #expect(GreedyCase.all.count >= 7)
  }

  @Test func answersTheAnchorQuestion() throws {
    let model = try defaultModel()
    let generator = Generator(model: model)
    let result = generator.chat(
      [ChatMessage(role: .user, content: "What is the capital of France? Answer in one sentence.")],
      options: GenerationOptions(maxTokens: 32, sampling: .greedy))
    #expect(result.text == "The capital of France is Paris.")
    #expect(result.tokens == [504, 3575, 282, 4649, 314, 7042, 30])
    #expect(result.stopReason == .endOfGeneration)
  }

  @Test(arguments: GreedyCase.all.map(\.name))
  func rendersAndTokenizesPromptsAsTheReference(name: String) throws {
    let model = try defaultModel()
    let fixture = try #require(GreedyCase.all.first { $0.name == name })
    #expect(model.tokenizer.encode(fixture.promptText, parseSpecial: true) == fixture.promptIds)
  }

  /// Greedy ids for `fixture`'s prompt, with the end token appended when
  /// generation stopped on it (the reference lists it).
  func greedyTokens(_ fixture: GreedyCase, count: Int) throws -> [Int32] {
    let generator = Generator(model: try defaultModel())
    let result = generator.generate(
      promptTokens: fixture.promptIds,
      options: GenerationOptions(maxTokens: count, sampling: .greedy))
    var tokens = result.tokens
    if result.stopReason == .endOfGeneration { tokens.append(2) }
    return tokens
  }

  /// The same token ids as the reference for 64 tokens, or until the
  /// reference stopped: the prompt runs as one batch, as there.
  @Test(arguments: GreedyCase.all.map(\.name))
  func matchesTheReference(name: String) throws {
    let fixture = try #require(GreedyCase.all.first { $0.name == name })
    let expected = Array(fixture.batched.generatedIds.prefix(64))
    #expect(try greedyTokens(fixture, count: expected.count) == expected)
  }

  /// Fed one token at a time, the engine follows the reference's
  /// token-by-token path instead, which parts from the batched one at
  /// near-ties once prompts pass 32 tokens.
  @Test(arguments: GreedyCase.all.map(\.name))
  func tokenByTokenMatchesTheSequentialReference(name: String) throws {
    let fixture = try #require(GreedyCase.all.first { $0.name == name })
    let expected = Array(fixture.sequential.generatedIds.prefix(64))
    let transformer = try defaultModel().transformer
    var logits = transformer.forward(token: fixture.promptIds[0], position: 0)
    for (position, token) in fixture.promptIds.enumerated().dropFirst() {
      logits = transformer.forward(token: token, position: position)
    }
    var produced: [Int32] = []
    while produced.count < expected.count {
      let token = Sampler.argmax(logits, count: transformer.vocabularySize)
      produced.append(token)
      if token == 2 { break }
      logits = transformer.forward(
        token: token, position: fixture.promptIds.count + produced.count - 1)
    }
    #expect(produced == expected)
  }
}
