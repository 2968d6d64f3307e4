import GGUF
import Testing

@testable import Tokenizer

/// A hand-made SentencePiece vocabulary; the expected ids below follow from
/// merging, at each step, the neighbouring pair whose token scores highest.
@Suite struct SentencePieceTests {
  static let entries: [(text: String, score: Float, kind: TokenKind)] = [
    ("<unk>", 0, .unknown),  // 0
    ("<s>", 0, .control),  // 1
    ("</s>", 0, .control),  // 2
    ("<0x21>", 0, .byte),  // 3  "!"
    ("<0xE2>", 0, .byte),  // 4
    ("<0x82>", 0, .byte),  // 5
    ("<0xAC>", 0, .byte),  // 6
    ("▁", -10, .normal),  // 7
    ("h", -10, .normal),  // 8
    ("e", -10, .normal),  // 9
    ("l", -10, .normal),  // 10
    ("o", -10, .normal),  // 11
    ("w", -10, .normal),  // 12
    ("r", -10, .normal),  // 13
    ("d", -10, .normal),  // 14
    ("ll", -1, .normal),  // 15
    ("he", -2, .normal),  // 16
    ("▁he", -3, .normal),  // 17
    ("llo", -4, .normal),  // 18
    ("▁hello", -5, .normal),  // 19
    ("or", -6, .normal),  // 20
    ("▁w", -7, .normal),  // 21
    ("▁wor", -8, .normal),  // 22
    ("ld", -9, .normal),  // 23
    ("▁world", -9.5, .normal),  // 24
    ("<tool>", 0, .userDefined),  // 25
  ]

  static func tokenizer(_ configure: (inout GGUFWriter) -> Void = { _ in }) throws -> Tokenizer {
    try Tokenizer(
      file: makeFile { writer in
        writer.set("tokenizer.ggml.model", .string("llama"))
        writer.set("tokenizer.ggml.tokens", strings: entries.map(\.text))
        writer.set("tokenizer.ggml.scores", floats: entries.map(\.score))
        writer.set("tokenizer.ggml.token_type", int32s: entries.map(\.kind.rawValue))
        configure(&writer)
      })
  }

  @Test func mergesByHighestScore() throws {
    let tokenizer = try Self.tokenizer()
    #expect(tokenizer.model == .sentencePiece)
    // "▁hello▁world": ll, he, ▁he, llo, ▁hello, or, ▁w, ▁wor, ld, ▁world.
    #expect(tokenizer.encode("hello world") == [19, 24])
    #expect(tokenizer.encode("hello world", addSpecial: true) == [1, 19, 24])
    // "▁hell": ll (-1) joins first, then he (-2) and ▁he (-3); "▁hell" is no token.
    #expect(tokenizer.encode("hell") == [17, 15])
    #expect(tokenizer.decode([1, 19, 24]) == "hello world")
  }

  @Test func defaultsWithoutSpecialKeys() throws {
    let tokenizer = try Self.tokenizer()
    #expect(tokenizer.beginningOfSequence == 1)
    #expect(tokenizer.endOfSequence == 2)
    #expect(tokenizer.unknown == 0)
    #expect(tokenizer.addsBeginningOfSequence)
    #expect(tokenizer.addsSpacePrefix)
    #expect(tokenizer.endOfGeneration == [2])
  }

  @Test func byteFallbackAndUnknown() throws {
    let tokenizer = try Self.tokenizer()
    // "▁hi!": "i" has neither a token nor a byte token, so it is unknown;
    // "!" falls back to <0x21>.
    #expect(tokenizer.encode("hi!") == [7, 8, 0, 3])
    // "€" is E2 82 AC.
    #expect(tokenizer.encode("€") == [7, 4, 5, 6])
    #expect(tokenizer.decode([7, 4, 5, 6]) == "€")
    #expect(tokenizer.bytes(of: 4) == [0xE2])
    #expect(tokenizer.bytes(of: 0).isEmpty)
    #expect(tokenizer.bytes(of: 0, renderSpecial: true) == Array("<unk>".utf8))
  }

  @Test func specialTokensAndSpacePrefix() throws {
    let tokenizer = try Self.tokenizer()
    // Text after a special token gets the space prefix again.
    #expect(tokenizer.encode("hello</s>world") == [19, 2, 24])
    #expect(!tokenizer.encode("hello</s>world", parseSpecial: false).contains(2))
    // User-defined tokens are recognised even when special tokens are not parsed.
    #expect(tokenizer.encode("hello<tool>", parseSpecial: false) == [19, 25])
    #expect(tokenizer.decode([19, 25]) == "hello<tool>")
  }

  @Test func metadataFlagsOverrideDefaults() throws {
    let tokenizer = try Self.tokenizer { writer in
      writer.set("tokenizer.ggml.add_space_prefix", .bool(false))
      writer.set("tokenizer.ggml.add_bos_token", .bool(false))
      writer.set("tokenizer.ggml.add_eos_token", .bool(true))
    }
    #expect(tokenizer.encode("hello", addSpecial: true) == [16, 18, 2])
    #expect(tokenizer.decode([16, 18]) == "hello")
  }
}
