/// Token counts of one answer.
struct Usage: Encodable, Sendable {
  var promptTokens: Int
  var completionTokens: Int

  enum CodingKeys: String, CodingKey {
    case promptTokens = "prompt_tokens"
    case completionTokens = "completion_tokens"
    case totalTokens = "total_tokens"
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(promptTokens, forKey: .promptTokens)
    try container.encode(completionTokens, forKey: .completionTokens)
    try container.encode(promptTokens + completionTokens, forKey: .totalTokens)
  }
}

/// Why an answer ended, as OpenAI names it.
enum FinishReason: String, Encodable, Sendable {
  /// The model ended it, or a stop sequence came.
  case stop
  /// `max_tokens` were made, or the context is full.
  case length
}
