import Foundation
import Stick
import Testing

/// The bytes of an answer: markers, line breaks across pieces, text that looks like a marker.
@Suite struct AnswerTextTests {
  let plain = TextFormat(encoding: .utf8, hasByteOrderMark: false, lineEnding: .lineFeed)
  let windows = TextFormat(
    encoding: .utf8, hasByteOrderMark: false, lineEnding: .carriageReturnLineFeed)

  /// The text between the start marker and the end bytes, for `pieces`, in `format`.
  func body(_ pieces: [String], format: TextFormat) throws -> String {
    let file = try parse(format.encodeFile("Q?\n"))
    var appender = file.answerAppender()
    var bytes: [UInt8] = []
    for piece in pieces { bytes += appender.append(piece) }
    bytes += appender.end()
    return String(decoding: bytes, as: UTF8.self)
  }

  @Test func theStartMarkerShowsModelAndLocalTime() {
    #expect(
      AnswerFormat.startMarker(model: "SmolLM2", date: fixedDate, timeZone: utc)
        == "--- answer (SmolLM2, 2025-03-04 09:05) ---")
    let berlin = TimeZone(identifier: "Europe/Berlin") ?? utc
    #expect(
      AnswerFormat.startMarker(model: "SmolLM2", date: fixedDate, timeZone: berlin)
        == "--- answer (SmolLM2, 2025-03-04 10:05) ---")
    let tokyo = TimeZone(secondsFromGMT: 9 * 3600) ?? utc
    #expect(
      AnswerFormat.startMarker(model: "a\nb\r\tc", date: fixedDate, timeZone: tokyo)
        == "--- answer (abc, 2025-03-04 18:05) ---")
  }

  @Test func lineBreaksBecomeTheFilesOwn() throws {
    #expect(try body(["a\nb\r\nc\rd"], format: windows) == "a\r\nb\r\nc\r\nd\r\n--- end\r\n")
    #expect(try body(["a\nb\r\nc\rd"], format: plain) == "a\nb\nc\nd\n--- end\n")
  }

  @Test func aCarriageReturnAndLineFeedSplitBetweenPiecesIsOneLineBreak() throws {
    #expect(try body(["a\r", "\nb"], format: windows) == "a\r\nb\r\n--- end\r\n")
    #expect(try body(["a\r", "\n", "\nb"], format: plain) == "a\n\nb\n--- end\n")
    #expect(try body(["a", "\n", "b", "\n"], format: windows) == "a\r\nb\r\n--- end\r\n")
    #expect(try body(["a\r", "\r", "\nb"], format: plain) == "a\n\nb\n--- end\n")
  }

  @Test func whitespaceAroundTheAnswerIsDropped() throws {
    #expect(
      try body([" ", "\n", "  Hi", " there\n\n", "\n"], format: plain) == "Hi there\n--- end\n")
    #expect(try body(["Hi\n\n", "there"], format: plain) == "Hi\n\nthere\n--- end\n")
    #expect(try body([], format: plain) == "--- end\n")
    #expect(try body(["\n\n"], format: plain) == "--- end\n")
  }

  @Test func linesThatLookLikeMarkersAreSetOff() throws {
    #expect(try body(["ok\n--- end\nmore"], format: plain) == "ok\n --- end\nmore\n--- end\n")
    #expect(try body(["ok\n-", "--", " e", "nd  "], format: plain) == "ok\n --- end  \n--- end\n")
    #expect(try body(["--- answer (x) ---\n"], format: plain) == " --- answer (x) ---\n--- end\n")
    #expect(try body(["--", "- answ", "ers"], format: plain) == " --- answers\n--- end\n")
    // Only whole markers: these stay as they are.
    #expect(
      try body(["--- endless\n---- end\n-- end"], format: plain)
        == "--- endless\n---- end\n-- end\n--- end\n")
    #expect(try body(["--- end x"], format: plain) == "--- end x\n--- end\n")
    #expect(try body(["---\n--- "], format: plain) == "---\n--- \n--- end\n")
  }

  @Test func utf16PiecesAreEncodedOnTheirOwn() throws {
    let format = TextFormat(
      encoding: .utf16BigEndian, hasByteOrderMark: true, lineEnding: .carriageReturnLineFeed)
    let file = try parse(format.encodeFile("Q?\n"))
    var appender = file.answerAppender()
    #expect(appender.append("🌙") == [0xD8, 0x3C, 0xDF, 0x19])
    #expect(appender.append("\n") == [])
    #expect(appender.append("é") == [0x00, 0x0D, 0x00, 0x0A, 0x00, 0xE9])
  }

  @Test func theWholeAnswerAtOnceMatchesThePieces() throws {
    let file = try parse(windows.encodeFile("Q?"))
    var whole = file.answerAppender()
    let text = "Line one.\nLine two 🌙.\n"
    let all = whole.whole(answer: text, model: "M", date: fixedDate, timeZone: utc)
    #expect(all == answerBytes(for: file, pieces: randomPieces(text, seed: 5), model: "M"))
  }
}
