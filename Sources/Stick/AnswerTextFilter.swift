/// Turns the model's streamed text into the text that goes between the answer's markers.
///
/// - Line breaks ("\n", "\r\n", a lone "\r", also when split between two pieces) become "\n".
/// - Whitespace before the first visible character is dropped, and line breaks are held back
///   until more text follows, so the answer sits right between its markers.
/// - A line of the model's that would read as a marker (starting with `--- answer`, or being
///   `--- end`) gets one leading space, so the file still parses as the answer it is.
///
/// Pieces are handled one by one; only a line's first few characters wait while they could
/// still turn into a marker.
struct AnswerTextFilter: Sendable {
  /// Something visible has been written.
  private var started = false
  /// Line breaks read but not yet written.
  private var pendingLineBreaks = 0
  /// The last piece ended in "\r": a "\n" opening the next one belongs to it.
  private var skipLineFeed = false
  /// At a line's start, the characters that might still become a marker.
  private var lineStart = String.UnicodeScalarView()
  /// Whether the current line's characters still go through `lineStart`.
  private var atLineStart = true

  private static let answerPrefix = Array(AnswerFormat.startPrefix.unicodeScalars)
  private static let endMarker = Array(AnswerFormat.endMarker.unicodeScalars)

  /// Whether anything visible has come through.
  var hasText: Bool { started }

  mutating func filter(_ piece: String) -> String {
    var output = String.UnicodeScalarView()
    for scalar in piece.unicodeScalars {
      var scalar = scalar
      if skipLineFeed {
        skipLineFeed = false
        if scalar == "\n" { continue }
      }
      if scalar == "\r" {
        scalar = "\n"
        skipLineFeed = true
      }
      if !started {
        if scalar.properties.isWhitespace { continue }
        started = true
      }
      if scalar == "\n" {
        output.append(contentsOf: endLine())
        pendingLineBreaks += 1
        continue
      }
      if pendingLineBreaks > 0 {
        output.append(contentsOf: String(repeating: "\n", count: pendingLineBreaks).unicodeScalars)
        pendingLineBreaks = 0
      }
      guard atLineStart else {
        output.append(scalar)
        continue
      }
      lineStart.append(scalar)
      let held = Array(lineStart)
      if held.starts(with: Self.answerPrefix) {
        // Whatever follows, this line would open an answer.
        output.append(" ")
        output.append(contentsOf: lineStart)
        lineStart = String.UnicodeScalarView()
        atLineStart = false
      } else if Self.answerPrefix.starts(with: held) || Self.couldBeEndMarker(held) {
        continue
      } else {
        output.append(contentsOf: lineStart)
        lineStart = String.UnicodeScalarView()
        atLineStart = false
      }
    }
    return String(output)
  }

  /// What is still held back at the end of the answer, without the trailing line breaks.
  mutating func finish() -> String {
    pendingLineBreaks = 0
    return String(endLine())
  }

  /// Writes out the line's held characters, marked if they form `--- end`.
  private mutating func endLine() -> String.UnicodeScalarView {
    var output = String.UnicodeScalarView()
    let held = Array(lineStart)
    if held.starts(with: Self.endMarker) { output.append(" ") }
    output.append(contentsOf: lineStart)
    lineStart = String.UnicodeScalarView()
    atLineStart = true
    return output
  }

  /// `held` is a beginning of `--- end`, or `--- end` followed only by spaces and tabs.
  private static func couldBeEndMarker(_ held: [Unicode.Scalar]) -> Bool {
    if held.count <= endMarker.count { return endMarker.starts(with: held) }
    return held.starts(with: endMarker)
      && held.dropFirst(endMarker.count).allSatisfy { $0 == " " || $0 == "\t" }
  }
}
