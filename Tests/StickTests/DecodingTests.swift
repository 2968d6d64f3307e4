import Stick
import Testing

/// Reading bytes as text: encodings, line endings, and refusing what is not text.
@Suite struct DecodingTests {
  @Test func encodingsAndByteOrderMarksAreRecognized() throws {
    let cases: [([UInt8], TextEncoding, Bool)] = [
      (Array("Hi\n".utf8), .utf8, false),
      ([0xEF, 0xBB, 0xBF] + Array("Hi\n".utf8), .utf8, true),
      ([0xFF, 0xFE, 0x48, 0x00, 0x69, 0x00, 0x0A, 0x00], .utf16LittleEndian, true),
      ([0xFE, 0xFF, 0x00, 0x48, 0x00, 0x69, 0x00, 0x0A], .utf16BigEndian, true),
    ]
    for (bytes, encoding, mark) in cases {
      let decoded = try DecodedText(bytes: bytes)
      #expect(decoded.text == "Hi\n")
      #expect(decoded.format.encoding == encoding)
      #expect(decoded.format.hasByteOrderMark == mark)
      #expect(decoded.format.lineEnding == .lineFeed)
    }
  }

  @Test func surrogatePairsDecodeInBothByteOrders() throws {
    let text = "Moon 🌙 and 𝄞\r\n"
    for encoding in [TextEncoding.utf16LittleEndian, .utf16BigEndian] {
      let format = TextFormat(
        encoding: encoding, hasByteOrderMark: true, lineEnding: .carriageReturnLineFeed)
      let decoded = try DecodedText(bytes: format.encodeFile("Moon 🌙 and 𝄞\n"))
      #expect(decoded.text == text)
      #expect(decoded.format == format)
    }
  }

  @Test func lineEndingsAreRemembered() throws {
    let cases: [(String, LineEnding)] = [
      ("a\nb\n", .lineFeed), ("a\r\nb\r\n", .carriageReturnLineFeed),
      ("a\r\nb\r\nc\n", .carriageReturnLineFeed), ("a\nb\nc\r\n", .lineFeed),
      ("a\nb\r\n", .carriageReturnLineFeed), ("a\r\nb\n", .lineFeed),
      ("no break", .lineFeed),
    ]
    for (text, ending) in cases {
      #expect(try DecodedText(bytes: Array(text.utf8)).format.lineEnding == ending, "\(text)")
    }
    // Without a line break, UTF-16 (Windows Notepad) gets Windows' CRLF, UTF-8 gets LF.
    let withMark = [0xEF, 0xBB, 0xBF] + Array("x".utf8)
    #expect(try DecodedText(bytes: withMark).format.lineEnding == .lineFeed)
    let utf16 = try DecodedText(bytes: [0xFF, 0xFE, 0x78, 0x00])
    #expect(utf16.format.lineEnding == .carriageReturnLineFeed)
  }

  /// Older Windows saved "ANSI" text: in Western languages that is Windows-1252.
  @Test func windows1252IsReadWhenTheBytesAreNotUTF8() throws {
    // "Größe? Café “au lait” — 5 €…" with CRLF, as Windows-1252 bytes.
    let bytes: [UInt8] =
      [0x47, 0x72, 0xF6, 0xDF, 0x65, 0x3F, 0x20, 0x43, 0x61, 0x66, 0xE9, 0x20, 0x93]
      + Array("au lait".utf8) + [0x94, 0x20, 0x97, 0x20, 0x35, 0x20, 0x80, 0x85, 0x0D, 0x0A]
    let decoded = try DecodedText(bytes: bytes)
    #expect(decoded.text == "Größe? Café “au lait” — 5 €…\r\n")
    #expect(decoded.format.encoding == .windows1252)
    #expect(!decoded.format.hasByteOrderMark)
    #expect(decoded.format.lineEnding == .carriageReturnLineFeed)
    #expect(decoded.format.encode("Größe? Café “au lait” — 5 €…\n") == bytes)
    // Plain ASCII is UTF-8 as well, and is read as that.
    #expect(try DecodedText(bytes: Array("Hi\n".utf8)).format.encoding == .utf8)
  }

  @Test func windows1252WritesWhatItHasAndAQuestionMarkForTheRest() {
    let format = TextFormat(encoding: .windows1252, hasByteOrderMark: false, lineEnding: .lineFeed)
    #expect(format.encode("é日本🌙 ok") == [0xE9, 0x3F, 0x3F, 0x3F, 0x20, 0x6F, 0x6B])
    #expect(format.representable("é日本🌙 ok") == "é??? ok")
    #expect(format.encodeFile("x") == [0x78])
    let utf8 = TextFormat(encoding: .utf8, hasByteOrderMark: false, lineEnding: .lineFeed)
    #expect(utf8.representable("日本🌙") == "日本🌙")
  }

  @Test func otherLegacyEncodingsAndBrokenUTF8AreRefusedAndSayWhere() {
    let cases: [(String, [UInt8], String)] = [
      // "Привет, мир" in Windows-1251: runs of Cyrillic letters.
      (
        "Cyrillic", [0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2, 0x2C, 0x20, 0xEC, 0xE8, 0xF0],
        "byte 1 "
      ),
      // "你好世界" in GBK: two bytes a character.
      ("Chinese", [0x20, 0xC4, 0xE3, 0xBA, 0xC3, 0xCA, 0xC0, 0xBD, 0xE7], "byte 2 "),
      // 0x81 means nothing in Windows-1252.
      ("undefined byte", [0x61, 0x81, 0x62], "byte 2 "),
      // A UTF-8 byte order mark says UTF-8: broken UTF-8 after it is not guessed at.
      ("marked UTF-8", [0xEF, 0xBB, 0xBF, 0x63, 0x61, 0x66, 0xE9], "byte 7 "),
    ]
    for (name, bytes, position) in cases {
      do {
        let decoded = try DecodedText(bytes: bytes)
        Issue.record("\(name) was read as \(decoded.format.encoding): \(decoded.text)")
      } catch {
        guard case .undecodable(let reason) = error else {
          Issue.record("\(name): expected undecodable, got \(error)")
          continue
        }
        #expect(reason.contains(position), "\(name): \(reason)")
        #expect(reason.contains("Windows-1252") == (name != "marked UTF-8"), "\(name): \(reason)")
        #expect(error.description.contains("save it as plain text"))
      }
    }
    // Broken UTF-8 of three or four bytes runs too long for Western text.
    for bytes: [UInt8] in [[0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF0, 0x9F, 0x8C]] {
      #expect(throws: PromptFileError.self, "\(bytes)") { try DecodedText(bytes: bytes) }
    }
  }

  @Test func nulBytesInUTF8AreBinary() {
    #expect(throws: PromptFileError.binary) { try DecodedText(bytes: Array("Hi\0there".utf8)) }
    #expect(throws: PromptFileError.binary) {
      try DecodedText(bytes: [0xEF, 0xBB, 0xBF, 0x48, 0x00])
    }
  }

  @Test func aPNGIsBinary() {
    let png: [UInt8] = [
      0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
      0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
    ]
    #expect(throws: PromptFileError.binary) { try DecodedText(bytes: png) }
    #expect(throws: PromptFileError.binary) { try PromptFile(bytes: png, name: "A.TXT") }
  }

  @Test func randomBytesAreRefusedNeverCrash() {
    var random = SeededRandom(seed: 42)
    for length in [1, 2, 3, 7, 64, 1000, 65_537] {
      for _ in 0..<20 {
        var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
        if length > 8 { bytes[length / 2] = 0 }
        let result = Result { () throws(PromptFileError) in
          try PromptFile(bytes: bytes, name: "R.TXT")
        }
        let utf16 = bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF])
        // With a NUL and no UTF-16 byte order mark, it is binary; short ones may be text.
        if length > 8 && !utf16 {
          #expect(throws: PromptFileError.binary) { try result.get() }
        }
      }
    }
  }

  @Test func utf16WithoutByteOrderMarkIsBinary() {
    // "Hello\r\n" in UTF-16LE without its byte order mark, and the same big-endian.
    let little: [UInt8] = [0x48, 0, 0x65, 0, 0x6C, 0, 0x6C, 0, 0x6F, 0, 0x0D, 0, 0x0A, 0]
    let big: [UInt8] = [0, 0x48, 0, 0x65, 0, 0x6C, 0, 0x6C, 0, 0x6F, 0, 0x0D, 0, 0x0A]
    #expect(throws: PromptFileError.binary) { try DecodedText(bytes: little) }
    #expect(throws: PromptFileError.binary) { try DecodedText(bytes: big) }
  }

  @Test func oddLengthUTF16IsUndecodable() {
    for bytes: [UInt8] in [[0xFF, 0xFE, 0x48], [0xFE, 0xFF, 0x00, 0x48, 0x00]] {
      #expect(
        throws: PromptFileError.undecodable(
          "it is UTF-16 text with an odd number of bytes, so its end is cut off")
      ) {
        try DecodedText(bytes: bytes)
      }
    }
  }

  @Test func unpairedSurrogatesAreUndecodable() {
    let cases: [[UInt8]] = [
      [0xFF, 0xFE, 0x3D, 0xD8],  // a lone high surrogate at the end
      [0xFF, 0xFE, 0x3D, 0xD8, 0x41, 0x00],  // a high surrogate before "A"
      [0xFF, 0xFE, 0x41, 0x00, 0x19, 0xDF],  // a lone low surrogate
      [0xFE, 0xFF, 0xDC, 0x00, 0xD8, 0x3D],  // low then high, big-endian
    ]
    for bytes in cases {
      do {
        _ = try DecodedText(bytes: bytes)
        Issue.record("accepted \(bytes)")
      } catch {
        guard case .undecodable(let reason) = error else {
          Issue.record("expected undecodable, got \(error)")
          continue
        }
        #expect(reason.contains("half of a UTF-16 pair"))
      }
    }
  }

  @Test func nulInUTF16IsBinary() {
    #expect(throws: PromptFileError.binary) {
      try DecodedText(bytes: [0xFF, 0xFE, 0x41, 0x00, 0x00, 0x00])
    }
  }

  @Test func manyControlCharactersAreBinary() {
    let bytes: [UInt8] = (0..<200).map { index in index % 4 == 0 ? 0x01 : 0x41 }
    #expect(throws: PromptFileError.binary) { try DecodedText(bytes: bytes) }
    // A stray control character or terminal colours in text are still text.
    #expect(throws: Never.self) {
      try DecodedText(bytes: Array("a\u{1}b\u{1B}[31mred\u{1B}[0m".utf8))
    }
  }
}
