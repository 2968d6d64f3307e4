import LLM

/// Measures prompts as an engine feeds them. It may be used from any thread
/// while the engine answers, so a prompt too long for the context can be
/// refused before it waits in the queue.
public protocol PromptMeasure: Sendable {
  /// The most tokens the model holds at once, prompt and answer together.
  var contextLength: Int { get }
  /// How many tokens `prompt` takes.
  func tokenCount(_ prompt: AnswerPrompt) -> Int
  /// The most prompt tokens kept when up to `maxTokens` are to be answered;
  /// a longer prompt is shortened.
  func promptBudget(maxTokens: Int) -> Int
}

extension LanguageModel: PromptMeasure {
  public var contextLength: Int { transformer.contextLength }

  public func tokenCount(_ prompt: AnswerPrompt) -> Int {
    switch prompt {
    case .conversation(let messages): promptTokens(for: messages).count
    case .text(let text): promptTokens(forText: text).count
    }
  }
}
