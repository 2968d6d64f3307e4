import Stick
import Testing
import Tokenizer

/// Parse, append an answer in pieces, parse again: in every encoding and line ending, the
/// person's bytes stay a prefix, the answer is the last turn, and nothing needs an answer.
@Suite struct RoundTripTests {
  static let questions = [
    "Why is the sky blue?",
    "Why is the sky blue?\n",
    "Why is the sky blue?\n\n",
    "Why is the sky blue?\n   \n\t",
    "Tell me\nabout the Moon,\n\nplease.   ",
    "Grüße aus Köln! 日本語で答えて 🌙 (emoji: 👩‍👩‍👧)\n",
  ]
  static let answer =
    "The sky is blue because air scatters blue light more.\n\nSecond paragraph:\r\n"
    + "- one 🌙\n- two\r\n--- end\n--- answer (fake) ---\n  indented line\n"

  @Test(arguments: allFormats)
  func everyQuestionRoundTrips(format: TextFormat) throws {
    for (index, question) in Self.questions.enumerated() {
      let original = format.encodeFile(question)
      let file = try parse(original)
      #expect(file.format.encoding == format.encoding)
      #expect(file.format.hasByteOrderMark == format.hasByteOrderMark)
      if question.contains("\n") {
        #expect(file.format.lineEnding == format.lineEnding, "\(question.debugDescription)")
      }
      #expect(file.conversation.needsAnswer)
      let pieces = randomPieces(Self.answer, seed: UInt64(index))
      let appended = answerBytes(for: file, pieces: pieces)
      try PromptFile.checkAppend(
        original: original, appended: appended, answer: Self.answer, name: "QUESTION.TXT")

      let after = try parse(original + appended)
      #expect(after.conversation.turns.count == 2)
      #expect(after.conversation.turns.first == .user(TurnTextForTests.clean(question)))
      let last = try #require(after.conversation.turns.last)
      #expect(last.role == .assistant)
      #expect(last.content.hasPrefix("The sky is blue"))
      #expect(last.content.contains(" --- end\n --- answer (fake) ---\n  indented line"))
      #expect(!after.conversation.needsAnswer)
      #expect(!after.conversation.interruptedAnswer)
      // The appended bytes never repeat the byte order mark.
      if format.hasByteOrderMark { #expect(!appended.starts(with: format.encoding.byteOrderMark)) }
      // Every line break in the appended text is the file's own.
      let appendedText = try #require(
        String(bytes: format.encoding.byteOrderMark + appended, encodingOf: format))
      let lineFeeds = appendedText.unicodeScalars.filter { $0 == "\n" }.count
      let pairs = appendedText.components(separatedBy: "\r\n").count - 1
      #expect(pairs == (file.format.lineEnding == .carriageReturnLineFeed ? lineFeeds : 0))
    }
  }

  /// A Windows-1252 file is answered in Windows-1252: what the code page lacks becomes "?",
  /// and the file still reads as the conversation with that answer.
  @Test func windows1252RoundTrips() throws {
    for lineEnding in [LineEnding.lineFeed, .carriageReturnLineFeed] {
      let format = TextFormat(
        encoding: .windows1252, hasByteOrderMark: false, lineEnding: lineEnding)
      let question = "Grüße aus Köln — “Café” oder Tee?\n"
      let original = format.encodeFile(question)
      let file = try parse(original)
      #expect(file.format == format)
      let appended = answerBytes(for: file, pieces: randomPieces(Self.answer, seed: 7))
      try PromptFile.checkAppend(
        original: original, appended: appended, answer: Self.answer, name: "QUESTION.TXT")
      let after = try parse(original + appended)
      #expect(after.format == format)
      #expect(after.conversation.turns.first == .user("Grüße aus Köln — “Café” oder Tee?"))
      let last = try #require(after.conversation.turns.last)
      #expect(last.content.contains("- one ?\n- two"))
      #expect(!after.conversation.needsAnswer)
    }
  }

  @Test(arguments: allFormats)
  func markerFollowsExactlyOneEmptyLine(format: TextFormat) throws {
    for question in ["Hi?", "Hi?\n", "Hi?\n\n", "Hi?\n\n\n"] {
      let original = format.encodeFile(question)
      let file = try parse(original)
      let whole = original + answerBytes(for: file, pieces: ["Hello."])
      let text = try #require(String(bytes: whole, encodingOf: format))
        .replacingOccurrences(of: "\r\n", with: "\n")
      let extra = max(0, question.filter { $0 == "\n" }.count - 2)
      let expected =
        "Hi?\n\n" + String(repeating: "\n", count: extra)
        + "--- answer (TestModel, 2025-03-04 09:05) ---\nHello.\n--- end\n"
      #expect(text == expected, "\(question.debugDescription)")
    }
  }

  @Test(arguments: allFormats)
  func followUpsMakeAMultiTurnConversation(format: TextFormat) throws {
    var bytes = format.encodeFile("First question?\n")
    for round in 1...3 {
      let file = try parse(bytes)
      #expect(file.conversation.needsAnswer)
      let answer = "Answer \(round).\nWith two lines."
      let appended = answerBytes(for: file, pieces: randomPieces(answer, seed: UInt64(round)))
      try PromptFile.checkAppend(
        original: bytes, appended: appended, answer: answer, name: "QUESTION.TXT")
      bytes += appended
      #expect(try parse(bytes).conversation.needsAnswer == false)
      // The person types a follow-up below the end marker, without a final line break.
      bytes += format.encode("\nFollow-up \(round)?")
    }
    let turns = try parse(bytes).conversation.turns
    #expect(
      turns == [
        .user("First question?"), .assistant("Answer 1.\nWith two lines."), .user("Follow-up 1?"),
        .assistant("Answer 2.\nWith two lines."), .user("Follow-up 2?"),
        .assistant("Answer 3.\nWith two lines."), .user("Follow-up 3?"),
      ])
  }

  @Test(arguments: allFormats)
  func anEmptyAnswerStillRoundTrips(format: TextFormat) throws {
    let original = format.encodeFile("Say nothing.")
    let file = try parse(original)
    for pieces in [[], [""], ["  ", "\n", "\r\n"]] {
      let appended = answerBytes(for: file, pieces: pieces)
      try PromptFile.checkAppend(
        original: original, appended: appended, answer: pieces.joined(), name: "Q.TXT")
      #expect(try parse(original + appended).conversation.turns.last == .assistant(""))
    }
  }

  @Test func aWrongAppendIsCaught() throws {
    let original = Array("Question?\n".utf8)
    #expect(throws: AppendCheckFailure.self) {
      try PromptFile.checkAppend(
        original: original, appended: Array("--- answer (x) ---\nHi\n".utf8), answer: "Hi",
        name: "Q.TXT")
    }
    #expect(throws: AppendCheckFailure.self) {
      try PromptFile.checkAppend(
        original: original, appended: Array("\n--- answer (x) ---\nHo\n--- end\n".utf8),
        answer: "Hi", name: "Q.TXT")
    }
    // UTF-8 bytes appended to a UTF-16 file.
    let utf16 = TextFormat(
      encoding: .utf16LittleEndian, hasByteOrderMark: true, lineEnding: .carriageReturnLineFeed)
    #expect(throws: AppendCheckFailure.self) {
      try PromptFile.checkAppend(
        original: utf16.encodeFile("Question?"),
        appended: Array("\n--- answer (x) ---\nHi\n--- end\n".utf8), answer: "Hi", name: "Q.TXT")
    }
  }
}

/// The cleaning the parser applies to a turn, written out plainly to compare with.
enum TurnTextForTests {
  static func clean(_ text: String) -> String {
    var lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
    while let first = lines.first, first.allSatisfy(\.isWhitespace) { lines.removeFirst() }
    var joined = lines.joined(separator: "\n")
    while let last = joined.last, last.isWhitespace { joined.removeLast() }
    return joined
  }
}

extension String {
  /// Decodes bytes written in `format` (byte order mark included).
  init?(bytes: [UInt8], encodingOf format: TextFormat) {
    guard let decoded = try? DecodedText(bytes: bytes) else { return nil }
    self = decoded.text
  }
}
