import Foundation
import GGUF
import Testing

@testable import Tokenizer

@Suite struct RealModelTests {
  @Test func anchorsFromLlamaTokenize() throws {
    let tokenizer = try RealModel.loadTokenizer()
    #expect(tokenizer.encode("Once upon a time") == [6403, 1980, 253, 655])
    #expect(
      tokenizer.encode("Hello, world! 123 + 4567 = ?")
        == [19556, 28, 905, 17, 216, 33, 34, 35, 1232, 216, 36, 37, 38, 39, 446, 9148])
    #expect(
      tokenizer.encode("  leading spaces\n\nand newlines\ttabs")
        == [216, 2899, 5600, 198, 198, 397, 725, 5110, 197, 100, 7366])
  }

  struct Reference: Decodable {
    let text: String
    let ids: [Int32]
  }

  @Test func everyLlamaTokenizeReference() throws {
    let tokenizer = try RealModel.loadTokenizer()
    let url = try #require(
      Bundle.module.url(
        forResource: "llama-tokenize", withExtension: "json", subdirectory: "Fixtures"))
    let references = try JSONDecoder().decode([Reference].self, from: Data(contentsOf: url))
    #expect(references.count > 40)
    for reference in references {
      let ids = tokenizer.encode(reference.text)
      #expect(ids == reference.ids, "\(reference.text.debugDescription)")
      #expect(
        tokenizer.decode(ids, renderSpecial: true) == reference.text,
        "\(reference.text.debugDescription)")
    }
  }

  @Test func specialTokensAndStopSet() throws {
    let tokenizer = try RealModel.loadTokenizer()
    #expect(tokenizer.model == .bytePair)
    #expect(tokenizer.preTokenizer?.family == "smollm")
    #expect(tokenizer.warning == nil)
    #expect(tokenizer.vocabularySize == 49152)
    #expect(tokenizer.beginningOfSequence == 1)
    #expect(tokenizer.endOfSequence == 2)
    #expect(tokenizer.addsBeginningOfSequence == false)
    #expect(tokenizer.endOfGeneration == [0, 2])
    #expect(tokenizer.isControl(1))
    #expect(!tokenizer.isControl(6403))
    #expect(tokenizer.token(forText: "<|im_end|>") == 2)
    #expect(tokenizer.encode("<|im_start|>") == [1])
    #expect(!tokenizer.encode("<|im_start|>", parseSpecial: false).contains(1))
    #expect(tokenizer.bytes(of: 2).isEmpty)
    #expect(tokenizer.bytes(of: 2, renderSpecial: true) == Array("<|im_end|>".utf8))
    #expect(
      tokenizer.decode([504, 3575, 282, 4649, 314, 7042, 30, 2])
        == "The capital of France is Paris.")
    #expect(tokenizer.bytes(of: -1).isEmpty)
    #expect(tokenizer.bytes(of: 49152).isEmpty)
  }

  @Test func franceChatPrompt() throws {
    let file = try RealModel.load()
    let tokenizer = try RealModel.loadTokenizer()
    let template = ChatTemplate(file: file)
    #expect(template.family == .chatML)
    #expect(template.warning == nil)
    #expect(
      template.defaultSystemPrompt
        == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
    let prompt = template.render([.user("What is the capital of France? Answer in one sentence.")])
    #expect(
      prompt
        == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nWhat is the capital of France? Answer in one sentence.<|im_end|>\n<|im_start|>assistant\n"
    )
    #expect(template.needsBeginningOfSequence)
    let tokens = tokenizer.encode(
      prompt, parseSpecial: true, addSpecial: template.needsBeginningOfSequence)
    #expect(tokens.count == 42)
    #expect(tokens.first == 1)
    #expect(tokens.filter { $0 == 1 }.count == 3)
  }

  @Test func longWordsAndRoundTrips() throws {
    let tokenizer = try RealModel.loadTokenizer()
    let long = String(repeating: "abcdefghij", count: 200)
    #expect(tokenizer.decode(tokenizer.encode(long)) == long)
    let digits = String(repeating: "9", count: 2000)
    #expect(tokenizer.encode(digits).count == 2000)
    for text in ["", " ", "ünïcödé", "🙂 fine", "a\u{0}b", "\r\n\t", "x\u{85}y\u{2028}z"] {
      #expect(tokenizer.decode(tokenizer.encode(text, parseSpecial: false)) == text)
    }
  }

  @Test func streamingNeverSplitsACharacter() throws {
    let tokenizer = try RealModel.loadTokenizer()
    let text = "ok 👨‍👩‍👧 🇫🇷 done"
    let tokens = tokenizer.encode(text)
    #expect(tokens.count > text.unicodeScalars.count / 2)
    var decoder = StreamingDecoder(tokenizer: tokenizer)
    var output = ""
    for token in tokens {
      let piece = decoder.append(token)
      #expect(!piece.contains("\u{FFFD}"))
      output += piece
    }
    output += decoder.finish()
    #expect(output == text)
  }

  @Test func streamingFlushesInvalidBytes() throws {
    let tokenizer = try RealModel.loadTokenizer()
    // "ð" stands for byte 0xF0, the start of a four-byte sequence.
    let lead = try #require(tokenizer.token(forText: "ð"))
    #expect(tokenizer.bytes(of: lead) == [0xF0])
    var decoder = StreamingDecoder(tokenizer: tokenizer)
    #expect(decoder.append(lead) == "")
    #expect(decoder.finish() == "\u{FFFD}")
    // A lead byte followed by text can never complete: replaced at once.
    #expect(decoder.append(lead) == "")
    let letter = try #require(tokenizer.encode("a").first)
    #expect(decoder.append(letter) == "\u{FFFD}a")
    #expect(decoder.finish() == "")
  }
}
