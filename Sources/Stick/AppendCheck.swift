/// Why appended bytes did not give the file the answer they were meant to give it.
public struct AppendCheckFailure: Error, Sendable, Equatable, CustomStringConvertible {
  public var reason: String

  public init(reason: String) {
    self.reason = reason
  }

  public var description: String { reason }
}

extension PromptFile {
  /// Checks that `original` followed by `appended` reads as the same conversation with `answer`
  /// (as the model streamed it) as its last turn, and needs no answer any more. A writer can run
  /// this before it writes, to never leave a file that would be answered again and again.
  public static func checkAppend(
    original: [UInt8], appended: [UInt8], answer: String, name: String
  ) throws(AppendCheckFailure) {
    let before: PromptFile
    let after: PromptFile
    do {
      before = try PromptFile(bytes: original, name: name)
      after = try PromptFile(bytes: original + appended, name: name)
    } catch {
      throw AppendCheckFailure(reason: "\(name) does not read as text: \(error)")
    }
    guard after.format.encoding == before.format.encoding else {
      throw AppendCheckFailure(reason: "\(name) reads in another encoding after the append")
    }
    var filter = AnswerTextFilter()
    let expected = TurnText.clean(
      before.format.representable(filter.filter(answer) + filter.finish()))
    let expectedTurns = before.conversation.turns + [.assistant(expected)]
    guard after.conversation.turns == expectedTurns else {
      let last = after.conversation.turns.last.map { "\($0.role.rawValue) \"\($0.content)\"" }
      throw AppendCheckFailure(
        reason: "\(name) does not end with the answer after the append; its last turn is "
          + (last ?? "missing"))
    }
    guard !after.conversation.interruptedAnswer, !after.conversation.needsAnswer else {
      throw AppendCheckFailure(reason: "\(name) would still need an answer after the append")
    }
  }
}
