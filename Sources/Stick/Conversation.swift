import Tokenizer

/// A prompt file read as a conversation: the person's text and the answers, in order.
///
/// The rules, which README.TXT tells the person in plain words:
/// - Text before the first answer, and text after an answer's `--- end` line, is the person's.
/// - Everything between a `--- answer` line and the next `--- end` line is an answer.
/// - The file needs an answer only when it ends with the person's text and that text has
///   something besides whitespace.
/// - A file that ends inside an answer (no `--- end`: the power went off while it was written)
///   has an interrupted answer and needs none. Whatever follows that `--- answer` line is taken
///   as part of the answer: the person's follow-up counts only after an `--- end` line.
/// - A `--- answer` line inside an answer starts a new answer; the one before it is kept as it is.
/// - An `--- end` line in the person's text is the person's text.
public struct Conversation: Sendable, Equatable {
  /// User and assistant turns in file order, each without the blank lines around it and with
  /// "\n" line breaks. The person's turns are left out when they hold only whitespace (so two
  /// answers may follow each other); answers are always kept, an empty one too.
  public var turns: [ChatMessage]
  /// The file ends inside an answer that has no `--- end` line.
  public var interruptedAnswer: Bool

  public init(turns: [ChatMessage], interruptedAnswer: Bool) {
    self.turns = turns
    self.interruptedAnswer = interruptedAnswer
  }

  /// The last turn is the person's and holds text: the model should answer it.
  public var needsAnswer: Bool {
    !interruptedAnswer && turns.last?.role == .user
  }

  /// The messages for the model: the system message `settings` ask for (see
  /// `Settings.systemMessage(modelDefault:)`; pass the chat template's default system prompt as
  /// `modelDefaultSystemPrompt`), then every turn.
  public func chatMessages(settings: Settings, modelDefaultSystemPrompt: String?) -> [ChatMessage] {
    let system = settings.systemMessage(modelDefault: modelDefaultSystemPrompt)
    return (system.map { [ChatMessage.system($0)] } ?? []) + turns
  }
}
