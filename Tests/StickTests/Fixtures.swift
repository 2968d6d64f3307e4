import Foundation
import Stick

/// Every way a prompt file can be stored.
let allFormats: [TextFormat] = {
  var formats: [TextFormat] = []
  for (encoding, byteOrderMark) in [
    (TextEncoding.utf8, false), (.utf8, true), (.utf16LittleEndian, true), (.utf16BigEndian, true),
  ] {
    for lineEnding in [LineEnding.lineFeed, .carriageReturnLineFeed] {
      formats.append(
        TextFormat(encoding: encoding, hasByteOrderMark: byteOrderMark, lineEnding: lineEnding))
    }
  }
  return formats
}()

/// A fixed moment, 2025-03-04 09:05:30 UTC, so markers are predictable.
let fixedDate = Date(timeIntervalSince1970: 1_741_079_130)
let utc = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current

/// A small deterministic random source (SplitMix64) for splitting text into pieces.
struct SeededRandom: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var value = state
    value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
    value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
    return value ^ (value >> 31)
  }
}

/// `text` cut into pieces of 1 to 7 characters at random places (a "\r\n" may be cut too, as a
/// tokenizer could).
func randomPieces(_ text: String, seed: UInt64) -> [String] {
  var random = SeededRandom(seed: seed)
  let scalars = Array(text.unicodeScalars)
  var pieces: [String] = []
  var index = 0
  while index < scalars.count {
    let length = Int.random(in: 1...7, using: &random)
    let end = min(index + length, scalars.count)
    var piece = String.UnicodeScalarView()
    piece.append(contentsOf: scalars[index..<end])
    pieces.append(String(piece))
    index = end
  }
  return pieces
}

/// Reads a file whose bytes are known to be text.
func parse(_ bytes: [UInt8], name: String = "QUESTION.TXT") throws -> PromptFile {
  try PromptFile(bytes: bytes, name: name)
}

/// A file with `text` (written with "\n") in plain UTF-8.
func parse(text: String, name: String = "QUESTION.TXT") throws -> PromptFile {
  try PromptFile(bytes: Array(text.utf8), name: name)
}

/// The bytes that append `answer` in `pieces` to `file`.
func answerBytes(
  for file: PromptFile, pieces: [String], model: String = "TestModel"
) -> [UInt8] {
  var appender = file.answerAppender()
  var bytes = appender.start(model: model, date: fixedDate, timeZone: utc)
  for piece in pieces { bytes += appender.append(piece) }
  bytes += appender.end()
  return bytes
}

extension TextFormat: CustomStringConvertible {
  public var description: String {
    let name =
      switch encoding {
      case .utf8: "UTF-8"
      case .utf16LittleEndian: "UTF-16LE"
      case .utf16BigEndian: "UTF-16BE"
      case .windows1252: "Windows-1252"
      }
    let mark = hasByteOrderMark ? "+BOM" : ""
    return name + mark + (lineEnding == .lineFeed ? " LF" : " CRLF")
  }
}
