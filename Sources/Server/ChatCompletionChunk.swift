/// One server-sent event of a streamed chat completion: the role first,
/// then content deltas, then the finish reason, then (when asked) usage.
struct ChatCompletionChunk: Encodable {
  var id: String
  var object = "chat.completion.chunk"
  var created: Int
  var model: String
  var choices: [Choice]
  /// Written as null on every chunk but the last when usage is asked for;
  /// left out when it is not.
  var usage: Usage?
  var includesUsage: Bool

  struct Choice: Encodable {
    var index = 0
    var delta: Delta
    var finishReason: FinishReason?

    enum CodingKeys: String, CodingKey {
      case index, delta
      case finishReason = "finish_reason"
    }

    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(index, forKey: .index)
      try container.encode(delta, forKey: .delta)
      try container.encode(finishReason, forKey: .finishReason)
    }
  }

  struct Delta: Encodable {
    var role: String?
    var content: String?
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
