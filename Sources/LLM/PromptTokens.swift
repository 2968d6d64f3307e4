import Tokenizer

/// How prompts become tokens for this model. Reads only the tokenizer, the
/// template and the context length, which never change, so any thread may
/// measure a prompt while another generates.
extension LanguageModel {
  /// The tokens a conversation is fed as: rendered with the chat template,
  /// ready for the answer.
  public func promptTokens(for messages: [ChatMessage]) -> [Int32] {
    let text = template.render(messages, addGenerationPrompt: true)
    return tokenizer.encode(
      text, parseSpecial: true, addSpecial: template.needsBeginningOfSequence)
  }

  /// The tokens a text continued as it is, with no template, is fed as.
  public func promptTokens(forText text: String) -> [Int32] {
    tokenizer.encode(text, parseSpecial: true, addSpecial: true)
  }

  /// The most prompt tokens kept when up to `maxTokens` are to be generated:
  /// the context less room for the answer (at most half of it). A longer
  /// prompt is shortened.
  public func promptBudget(maxTokens: Int) -> Int {
    let contextLength = transformer.contextLength
    return max(1, contextLength - min(max(maxTokens, 1), contextLength / 2))
  }
}
