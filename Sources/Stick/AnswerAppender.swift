import Foundation

/// The bytes that add one answer to the end of a prompt file, in the file's own encoding and
/// line ending, never with a second byte order mark. Appending them is the only change made to
/// a file: the person's bytes stay as they are.
///
/// Write `start(...)`, then `append(piece)` for each piece the model streams, then `end()`.
/// Every call returns the bytes to write right after the previous call's; they may be empty.
public struct AnswerAppender: Sendable {
  public let format: TextFormat
  /// Line breaks that put the marker on its own line after one empty line.
  private let separatorLineBreaks: Int
  private var filter = AnswerTextFilter()

  init(format: TextFormat, separatorLineBreaks: Int) {
    self.format = format
    self.separatorLineBreaks = separatorLineBreaks
  }

  /// An empty line after the person's text (as far as the file does not already end with one),
  /// then the start marker and its line break.
  public func start(model: String, date: Date, timeZone: TimeZone) -> [UInt8] {
    let marker = AnswerFormat.startMarker(model: model, date: date, timeZone: timeZone)
    return format.encode(String(repeating: "\n", count: separatorLineBreaks) + marker + "\n")
  }

  /// The bytes for one piece of the answer as the model streamed it. Pieces may split text
  /// anywhere between characters, a "\r\n" included.
  public mutating func append(_ piece: String) -> [UInt8] {
    format.encode(filter.filter(piece))
  }

  /// What is still held back, a line break, `--- end` and a line break.
  public mutating func end() -> [UInt8] {
    let rest = filter.finish()
    let lineBreak = filter.hasText ? "\n" : ""
    return format.encode(rest + lineBreak + AnswerFormat.endMarker + "\n")
  }

  /// All the bytes for a whole answer at once: start, the answer, end.
  public mutating func whole(
    answer: String, model: String, date: Date, timeZone: TimeZone
  ) -> [UInt8] {
    start(model: model, date: date, timeZone: timeZone) + append(answer) + end()
  }
}
