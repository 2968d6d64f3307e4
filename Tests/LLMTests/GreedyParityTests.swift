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

  @Test(arguments: GreedyCase.all.map(\.name))
  func greedyTokensMatchTheReference(name: String) throws {
    let model = try defaultModel()
    let fixture = try #require(GreedyCase.all.first { $0.name == name })
    let generator = Generator(model: model)
    let count = min(fixture.generatedIds.count, 64)
    let result = generator.generate(
      promptTokens: fixture.promptIds,
      options: GenerationOptions(maxTokens: count, sampling: .greedy))
    var produced = result.tokens
    if result.stopReason == .endOfGeneration, produced.count < count { produced.append(2) }
    let agreed = zip(produced, fixture.generatedIds).prefix { $0 == $1 }.count
    print(
      "greedy \(name): \(agreed) of \(count) tokens agree"
        + (agreed < count ? ", reference margin there \(fixture.margins[agreed])" : ""))
    #expect(agreed > 0)
  }
}
