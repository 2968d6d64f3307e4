import GGUF
import Testing

@testable import Tokenizer

@Suite struct BytePairTests {
  static let tokens = [
    "<|endoftext|>", "a", "b", "c", "d", "Ġ", "ab", "abc", "Ġa", "abcd", "<|eot_id|>", "cd",
  ]
  static let kinds: [TokenKind] = [
    .control, .normal, .normal, .normal, .normal, .normal, .normal, .normal, .normal, .normal,
    .normal, .normal,
  ]

  static func tokenizer(pre: String?, merges: [String] = ["a b", "ab c", "Ġ a", "c d"]) throws
    -> Tokenizer
  {
    try Tokenizer(
      file: makeFile { writer in
        writer.set("tokenizer.ggml.model", .string("gpt2"))
        if let pre { writer.set("tokenizer.ggml.pre", .string(pre)) }
        writer.set("tokenizer.ggml.tokens", strings: tokens)
        writer.set("tokenizer.ggml.token_type", int32s: kinds.map(\.rawValue))
        writer.set("tokenizer.ggml.merges", strings: merges)
        writer.set("tokenizer.ggml.eos_token_id", .uint32(0))
      })
  }

  @Test func mergesByRank() throws {
    let tokenizer = try Self.tokenizer(pre: "gpt2")
    // ab (rank 0), then abc (rank 1); "abc d" is no merge.
    #expect(tokenizer.encode("abcd") == [7, 4])
    // ab (rank 0) beats Ġa (rank 2), leaving "Ġ" alone.
    #expect(tokenizer.encode(" ab") == [5, 6])
    #expect(tokenizer.decode([5, 6]) == " ab")
    // A byte without a token is dropped, as llama.cpp does.
    #expect(tokenizer.encode("e") == [])
  }

  @Test func llama3TakesWholeWordsThatAreTokens() throws {
    let tokenizer = try Self.tokenizer(pre: "llama-bpe")
    #expect(tokenizer.encode("abcd") == [9])
    #expect(tokenizer.addsBeginningOfSequence)
  }

  @Test func stopSetIncludesNamedTokens() throws {
    let tokenizer = try Self.tokenizer(pre: "gpt2")
    #expect(tokenizer.endOfGeneration == [0, 10])
    #expect(tokenizer.isControl(10))
    #expect(tokenizer.encode("ab<|eot_id|>") == [6, 10])
    #expect(tokenizer.decode([6, 10]) == "ab")
    #expect(tokenizer.decode([6, 10], renderSpecial: true) == "ab<|eot_id|>")
  }

  @Test func unknownPreTokenizerFallsBackWithWarning() throws {
    let tokenizer = try Self.tokenizer(pre: "brand-new")
    #expect(tokenizer.preTokenizer?.family == "gpt2")
    #expect(tokenizer.warning?.contains("brand-new") == true)
    #expect(tokenizer.encode("abcd") == [7, 4])
  }

  @Test func errorsNameTheProblem() throws {
    #expect(throws: TokenizerError.unsupportedModel("bert")) {
      try Tokenizer(
        file: makeFile { writer in
          writer.set("tokenizer.ggml.model", .string("bert"))
          writer.set("tokenizer.ggml.tokens", strings: ["a"])
        })
    }
    #expect(throws: TokenizerError.missingVocabulary) {
      try Tokenizer(file: makeFile { $0.set("tokenizer.ggml.model", .string("gpt2")) })
    }
    #expect(throws: TokenizerError.missingMerges) {
      try Tokenizer(
        file: makeFile { writer in
          writer.set("tokenizer.ggml.model", .string("gpt2"))
          writer.set("tokenizer.ggml.tokens", strings: ["a"])
        })
    }
    #expect(throws: TokenizerError.badMerge(index: 1, text: "abc")) {
      try Self.tokenizer(pre: "gpt2", merges: ["a b", "abc"])
    }
    #expect(TokenizerError.unsupportedModel("bert").description.contains("'bert'"))
  }
}
