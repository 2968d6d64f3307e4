import Foundation
import Stick
import Testing

/// Files of a few megabytes parse quickly, in time that grows with their size.
@Suite struct LargeFileTests {
  /// A conversation of `rounds` questions and answers, each answer a few kilobytes.
  static func conversation(rounds: Int) -> String {
    let paragraph = String(repeating: "The Moon is Earth's only natural satellite. ", count: 40)
    var text = ""
    for round in 0..<rounds {
      text += "Question \(round)?\n\n--- answer (M, 2025-01-01 10:00) ---\n"
      text += paragraph + "\n\n" + paragraph + "\n--- end\n"
    }
    return text + "Last question?\n"
  }

  static func secondsToParse(_ bytes: [UInt8]) throws -> (Double, PromptFile) {
    let clock = ContinuousClock()
    var file: PromptFile?
    let elapsed = try clock.measure { file = try PromptFile(bytes: bytes, name: "BIG.TXT") }
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return (seconds, try #require(file))
  }

  @Test(arguments: [TextEncoding.utf8, .utf16LittleEndian])
  func severalMegabytesParseInLinearTime(encoding: TextEncoding) throws {
    let format = TextFormat(
      encoding: encoding, hasByteOrderMark: encoding != .utf8, lineEnding: .carriageReturnLineFeed)
    let small = format.encodeFile(Self.conversation(rounds: 50))
    let large = format.encodeFile(Self.conversation(rounds: 800))
    #expect(large.count > 2_000_000 * (encoding == .utf8 ? 1 : 2))
    let (smallSeconds, _) = try Self.secondsToParse(small)
    let (largeSeconds, file) = try Self.secondsToParse(large)
    #expect(file.conversation.turns.count == 1601)
    #expect(file.conversation.needsAnswer)
    #expect(largeSeconds < 20, "\(largeSeconds) s for \(large.count) bytes")
    // Sixteen times the text: a quadratic parse would take about 256 times as long.
    #expect(
      largeSeconds < smallSeconds * 48 + 0.5,
      "\(smallSeconds) s for \(small.count) bytes, \(largeSeconds) s for \(large.count) bytes")
  }

  @Test func oneHugeLineParses() throws {
    let bytes = Array(String(repeating: "word ", count: 800_000).utf8)
    let (seconds, file) = try Self.secondsToParse(bytes)
    #expect(seconds < 20)
    #expect(file.conversation.needsAnswer)
    #expect(file.conversation.turns.first?.content.count == 4_000_000 - 1)
  }
}
