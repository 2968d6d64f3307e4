import Tokenizer

/// What an engine is asked to answer.
public enum AnswerPrompt: Sendable, Equatable {
  /// A conversation, rendered with the model's chat template.
  case conversation([ChatMessage])
  /// A text to continue as it is, with no template.
  case text(String)
}
