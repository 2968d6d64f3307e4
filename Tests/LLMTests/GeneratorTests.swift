import Foundation
import GGUF
import Testing
import Tokenizer

@testable import LLM

/// A tiny llama with a SentencePiece vocabulary, written to a temporary
/// file and opened like any model.
func tinySentencePieceModel(seed: UInt64 = 5) throws -> (LanguageModel, URL) {
  var tokens = ["<unk>", "<s>", "</s>", "<0x0A>", "<0x21>", "▁"]
  tokens += "abcdefghijklmnopqrstuvwxyz".map(String.init)
  tokens += [
    "▁the", "▁cat", "▁sat", "▁on", "▁a", "▁mat", "at", "he", "▁t", "▁c", "▁s", "▁m", "on", "▁o",
  ]
  tokens += ["▁dog", "."]
  var model = TinyModel()
  model.vocabulary = tokens.count
  model.seed = seed
  let bytes = model.bytes { writer in
    writer.set("tokenizer.ggml.model", .string("llama"))
    writer.set("tokenizer.ggml.tokens", strings: tokens)
    writer.set("tokenizer.ggml.scores", floats: tokens.indices.map { -Float($0) })
    writer.set(
      "tokenizer.ggml.token_type",
      int32s: tokens.indices.map { $0 == 0 ? 2 : $0 < 3 ? 3 : $0 < 5 ? 6 : 1 })
    writer.set("tokenizer.ggml.bos_token_id", .uint32(1))
    writer.set("tokenizer.ggml.eos_token_id", .uint32(2))
  }
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("tiny-spm-\(UUID().uuidString).gguf")
  try Data(bytes).write(to: url)
  return (try LanguageModel(path: url.path, contextLength: 64, threads: 2), url)
}

@Suite struct GeneratorTests {
  @Test func sentencePieceModelRunsEndToEnd() throws {
    let (model, url) = try tinySentencePieceModel()
    defer { try? FileManager.default.removeItem(at: url) }
    #expect(model.tokenizer.encode("the cat sat", addSpecial: true) == [1, 32, 33, 34])
    let generator = Generator(model: model)
    let options = GenerationOptions(maxTokens: 12, sampling: .greedy)
    let first = generator.complete("the cat sat", options: options)
    let second = Generator(model: model).complete("the cat sat", options: options)
    #expect(first.tokens == second.tokens)
    #expect(!first.tokens.isEmpty)
    #expect(first.statistics.promptTokens == 4)
    // No template in the file: ChatML, with a warning to show.
    #expect(model.template.warning != nil)
  }

  @Test func sameSeedSameAnswer() throws {
    let model = try defaultModel()
    var sampling = SamplingOptions()
    sampling.temperature = 1.0
    sampling.seed = 1234
    let options = GenerationOptions(maxTokens: 24, sampling: sampling)
    let question = [ChatMessage(role: .user, content: "Name a colour.")]
    let first = Generator(model: model).chat(question, options: options)
    let second = Generator(model: model).chat(question, options: options)
    #expect(first.tokens == second.tokens)
    #expect(first.seed == 1234)
    sampling.seed = 99
    let other = Generator(model: model).chat(
      question, options: GenerationOptions(maxTokens: 24, sampling: sampling))
    #expect(other.seed == 99)
  }

  @Test func streamedPiecesMakeTheAnswer() throws {
    let model = try defaultModel()
    var pieces: [String] = []
    let result = Generator(model: model).chat(
      [ChatMessage(role: .user, content: "Say hello in French, German and Japanese.")],
      options: GenerationOptions(maxTokens: 40, sampling: .greedy)
    ) { piece in
      pieces.append(piece)
      return true
    }
    #expect(pieces.joined() == result.text)
    #expect(pieces.count > 3)
    #expect(result.statistics.generatedTokens == result.tokens.count)
    #expect(result.statistics.timeToFirstToken > .zero)
  }

  @Test func stopsWhenAsked() throws {
    let model = try defaultModel()
    var calls = 0
    let result = Generator(model: model).complete(
      "Once upon a time", options: GenerationOptions(maxTokens: 50, sampling: .greedy)
    ) { _ in
      calls += 1
      return calls < 3
    }
    #expect(result.stopReason == .cancelled)
    #expect(calls == 3)
    #expect(result.tokens.count <= 4)
  }

  @Test func stopsAtTheTokenLimit() throws {
    let model = try defaultModel()
    let result = Generator(model: model).complete(
      "Once upon a time", options: GenerationOptions(maxTokens: 5, sampling: .greedy))
    #expect(result.tokens.count == 5)
    #expect(result.stopReason == .maxTokens)
  }

  @Test func followUpReusesTheCacheAndAnswersAsAFreshStart() throws {
    let generator = Generator(model: try defaultModel())
    var messages = [ChatMessage(role: .user, content: "What is the capital of France?")]
    let options = GenerationOptions(maxTokens: 16, sampling: .greedy)
    let first = generator.chat(messages, options: options)
    messages.append(ChatMessage(role: .assistant, content: first.text))
    messages.append(ChatMessage(role: .user, content: "And of Italy?"))
    let second = generator.chat(messages, options: options)
    #expect(second.statistics.reusedPromptTokens >= first.statistics.promptTokens)
    let fresh = Generator(model: try defaultModel()).chat(messages, options: options)
    #expect(fresh.statistics.reusedPromptTokens == 0)
    // The new part of the prompt runs as its own batch, so sums are ordered
    // differently from a fresh run and may part at a near-tie later on; a
    // broken cache would part at once.
    #expect(second.tokens.prefix(8) == fresh.tokens.prefix(8))
  }

  @Test func longConversationsKeepTheLatestTurns() throws {
    let model = try defaultModel()  // context 1024
    var messages = [ChatMessage(role: .system, content: "You answer briefly.")]
    for turn in 0..<40 {
      messages.append(
        ChatMessage(role: .user, content: "Tell me fact number \(turn) about the ocean, please."))
      messages.append(
        ChatMessage(
          role: .assistant,
          content: String(repeating: "The ocean is deep and wide and full of life. ", count: 3)))
    }
    messages.append(ChatMessage(role: .user, content: "What is 2 + 2?"))
    let generator = Generator(model: model)
    let options = GenerationOptions(maxTokens: 32, sampling: .greedy)
    let result = generator.chat(messages, options: options)
    let note = try #require(result.promptNote)
    #expect(note.contains("oldest turns were left out"))
    #expect(result.statistics.promptTokens <= 1024 - 32)
    #expect(!result.tokens.isEmpty)
  }

  @Test func aHugeMessageKeepsItsEnd() throws {
    let model = try defaultModel()
    let filler = String(repeating: "lorem ipsum dolor sit amet ", count: 800)
    let result = Generator(model: model).chat(
      [ChatMessage(role: .user, content: filler + "What is 2 + 2?")],
      options: GenerationOptions(maxTokens: 16, sampling: .greedy))
    let note = try #require(result.promptNote)
    #expect(note.contains("only its last"))
    #expect(result.statistics.promptTokens <= 1024 - 16)
  }

  @Test func rawTextLongerThanTheContextKeepsItsEnd() throws {
    let model = try defaultModel()
    let text = String(repeating: "one two three four ", count: 600)
    let result = Generator(model: model).complete(
      text, options: GenerationOptions(maxTokens: 8, sampling: .greedy))
    #expect(result.promptNote != nil)
    #expect(result.tokens.count == 8)
  }
}

@Suite struct SamplerTests {
  func logits(_ values: [Float]) -> UnsafeMutablePointer<Float> {
    let pointer = UnsafeMutablePointer<Float>.allocate(capacity: values.count)
    pointer.initialize(from: values, count: values.count)
    return pointer
  }

  @Test func greedyTakesTheLargest() {
    var sampler = Sampler(vocabularySize: 4, options: .greedy)
    let values = logits([0.1, 3, 2.9, -1])
    defer { values.deallocate() }
    #expect(sampler.sample(logits: values, count: 4, history: []) == 1)
  }

  @Test func topKOfOneIsGreedy() {
    var options = SamplingOptions()
    options.temperature = 5
    options.topK = 1
    options.seed = 3
    var sampler = Sampler(vocabularySize: 5, options: options)
    for _ in 0..<50 {
      let values = logits([0, 1, 4, 2, 3])
      #expect(sampler.sample(logits: values, count: 5, history: []) == 2)
      values.deallocate()
    }
  }

  @Test func minPAndTopPCutTheTail() {
    var options = SamplingOptions()
    options.temperature = 1
    options.topK = 0
    options.topP = 1
    options.minP = 0.5
    options.seed = 11
    var sampler = Sampler(vocabularySize: 4, options: options)
    var seen = Set<Int32>()
    for _ in 0..<400 {
      // Token 3 is e^-3 as likely as token 0: min-p 0.5 removes it.
      let values = logits([5, 4.9, 2, 2])
      seen.insert(sampler.sample(logits: values, count: 4, history: []))
      values.deallocate()
    }
    #expect(seen == [0, 1])

    options.minP = 0
    options.topP = 0.5
    var nucleus = Sampler(vocabularySize: 3, options: options)
    for _ in 0..<100 {
      let values = logits([3, 1, 0])
      #expect(nucleus.sample(logits: values, count: 3, history: []) == 0)
      values.deallocate()
    }
  }

  @Test func temperatureSpreadsChoicesInProportion() {
    var options = SamplingOptions()
    options.temperature = 1
    options.topK = 0
    options.topP = 1
    options.minP = 0
    options.seed = 5
    var sampler = Sampler(vocabularySize: 2, options: options)
    var counts = [0, 0]
    for _ in 0..<4000 {
      let values = logits([0, Float(log(3.0))])  // 1 : 3
      counts[Int(sampler.sample(logits: values, count: 2, history: []))] += 1
      values.deallocate()
    }
    let share = Double(counts[1]) / 4000
    #expect(abs(share - 0.75) < 0.03)
  }

  @Test func repetitionPenaltyAvoidsRecentTokens() {
    var options = SamplingOptions.greedy
    options.repetitionPenalty = 2
    var sampler = Sampler(vocabularySize: 3, options: options)
    let values = logits([1, 1.5, -1])
    defer { values.deallocate() }
    #expect(sampler.sample(logits: values, count: 3, history: [1]) == 0)
  }
}
