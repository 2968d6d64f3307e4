import Tokenizer

/// A prompt file read: its text, its options line, its conversation, and how to append an
/// answer to it in its own encoding and line ending. Reading never changes the file.
public struct PromptFile: Sendable {
  /// The file's name as the person sees it; it names the file in problems.
  public let name: String
  public let decoded: DecodedText
  /// Settings for this file alone from its options line (see `OptionsLine`), in order.
  public let options: [SettingValue]
  /// What was wrong in the options line, in plain sentences.
  public let problems: [SettingsProblem]
  public let conversation: Conversation
  /// How many line breaks the file ends with, counting only those after its last visible
  /// character.
  private let trailingLineBreaks: Int
  private let endsWithLineBreak: Bool

  public var format: TextFormat { decoded.format }

  /// Reads a prompt file's bytes; `name` is used in problems, for example "HELLO.TXT".
  /// Throws when the bytes are not text; a parse never fails otherwise.
  public init(bytes: [UInt8], name: String) throws(PromptFileError) {
    try self.init(decoded: DecodedText(bytes: bytes), name: name)
  }

  public init(decoded: DecodedText, name: String) {
    self.name = name
    self.decoded = decoded
    let utf8 = Array(decoded.text.utf8)
    var options = OptionsLine?.none
    var conversation = Conversation(turns: [], interruptedAnswer: false)
    var trailingLineBreaks = 0
    utf8.withUnsafeBufferPointer { buffer in
      var contentStart = 0
      if buffer.first == UInt8(ascii: "#") {
        let firstLineEnd = buffer.firstIndex(of: 0x0A) ?? buffer.count
        var firstLine = buffer[..<firstLineEnd]
        if firstLine.last == 0x0D { firstLine = firstLine.dropLast() }
        let text = String(decoding: firstLine, as: UTF8.self)
        options = OptionsLine(Substring(text), fileName: name)
        if options != nil { contentStart = min(firstLineEnd + 1, buffer.count) }
      }
      conversation = Self.parse(buffer, from: contentStart)
      var index = buffer.count
      while index > 0, buffer[index - 1] == 0x20 || (0x09...0x0D).contains(buffer[index - 1]) {
        index -= 1
        if buffer[index] == 0x0A { trailingLineBreaks += 1 }
      }
    }
    self.options = options?.values ?? []
    self.problems = options?.problems ?? []
    self.conversation = conversation
    self.trailingLineBreaks = trailingLineBreaks
    self.endsWithLineBreak = utf8.last == 0x0A
  }

  /// The turns between the markers; one pass over the lines.
  private static func parse(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Conversation {
    var turns: [ChatMessage] = []
    var inAnswer = false
    var segmentStart = start
    func closeSegment(at end: Int) {
      let text = TurnText.clean(buffer[segmentStart..<max(segmentStart, end)])
      if inAnswer {
        turns.append(.assistant(text))
      } else if !TurnText.isBlank(text) {
        turns.append(.user(text))
      }
    }
    var lineStart = start
    while lineStart < buffer.count {
      var lineEnd = lineStart
      while lineEnd < buffer.count, buffer[lineEnd] != 0x0A { lineEnd += 1 }
      let line = buffer[lineStart..<lineEnd]
      let nextLine = min(lineEnd + 1, buffer.count)
      if AnswerFormat.isStartMarker(line) {
        closeSegment(at: lineStart)
        inAnswer = true
        segmentStart = nextLine
      } else if inAnswer, AnswerFormat.isEndMarker(line) {
        closeSegment(at: lineStart)
        inAnswer = false
        segmentStart = nextLine
      }
      lineStart = nextLine
    }
    closeSegment(at: buffer.count)
    return Conversation(turns: turns, interruptedAnswer: inAnswer)
  }

  /// These settings with the file's options line on top.
  public func settings(base: Settings) -> Settings {
    base.applying(options)
  }

  /// Makes the bytes that append one answer to this file. The first `start` puts the marker on
  /// its own line after exactly one empty line, adding only the line breaks the file lacks.
  public func answerAppender() -> AnswerAppender {
    // A last line of only whitespace counts as the empty line; one with text needs ending first.
    let separator =
      if decoded.text.isEmpty {
        0
      } else if endsWithLineBreak {
        max(0, 2 - trailingLineBreaks)
      } else {
        trailingLineBreaks > 0 ? 1 : 2
      }
    return AnswerAppender(format: format, separatorLineBreaks: separator)
  }

  /// For a file with an interrupted answer, the bytes that close it (a line break if needed,
  /// `--- end`, a line break), so the person sees where to write a follow-up; nil otherwise.
  public func closingInterruptedAnswer() -> [UInt8]? {
    guard conversation.interruptedAnswer else { return nil }
    return format.encode((endsWithLineBreak ? "" : "\n") + AnswerFormat.endMarker + "\n")
  }
}
