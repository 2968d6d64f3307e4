/// The answer to `POST /v1/completions`, whole or as one streamed chunk
/// (the same object, holding the piece of text made since the last one).
struct TextCompletion: Encodable {
  var id: String
  var object = "text_completion"
  var created: Int
  var model: String
  var choices: [Choice]
  var usage: Usage?
  /// Whether `usage` is written, as null when it is not known yet.
  var includesUsage: Bool

  struct Choice: Encodable {
    var text: String
    var index = 0
    var finishReason: FinishReason?

    enum CodingKeys: String, CodingKey {
      case text, index, logprobs
      case finishReason = "finish_reason"
    }

    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(text, forKey: .text)
      try container.encode(index, forKey: .index)
      try container.encodeNil(forKey: .logprobs)
      try container.encode(finishReason, forKey: .finishReason)
    }
  }

  enum CodingKeys: String, CodingKey {
    case id, object, created, model, choices, usage
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(id, forKey: .id)
    try container.encode(object, forKey: .object)
    try container.encode(created, forKey: .created)
    try container.encode(model, forKey: .model)
    try container.encode(choices, forKey: .choices)
    if includesUsage { try container.encode(usage, forKey: .usage) }
  }
}
