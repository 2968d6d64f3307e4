import Tokenizer

/// The body of `POST /v1/chat/completions`. Fields this server does not use
/// (tools, logprobs, penalties, ...) are ignored.
struct ChatCompletionRequest: Decodable, CompletionFields {
  var model: String?
  var messages: [Message]
  var stream: Bool?
  var streamOptions: StreamOptions?
  var maxTokens: WholeNumber?
  var maxCompletionTokens: WholeNumber?
  var temperature: Double?
  var topP: Double?
  var stop: StopField?
  var seed: WholeNumber?
  var n: WholeNumber?

  enum CodingKeys: String, CodingKey {
    case model, messages, stream, temperature, stop, seed, n
    case streamOptions = "stream_options"
    case maxTokens = "max_tokens"
    case maxCompletionTokens = "max_completion_tokens"
    case topP = "top_p"
  }

  var requestedMaxTokens: Int? { (maxCompletionTokens ?? maxTokens)?.int }
  var maxTokensName: String {
    maxCompletionTokens != nil ? "max_completion_tokens" : "max_tokens"
  }

  /// One message: a role and its content.
  struct Message: Decodable {
    var role: String
    var content: MessageContent?
  }

  /// The conversation as the chat template takes it.
  func chatMessages() throws -> [ChatMessage] {
    guard !messages.isEmpty else {
      throw APIError.invalidValue("messages", "'messages' must hold at least one message.")
    }
    var result: [ChatMessage] = []
    for (index, message) in messages.enumerated() {
      let role: ChatRole
      switch message.role {
      case "system", "developer": role = .system
      case "user": role = .user
      case "assistant": role = .assistant
      default:
        throw APIError.invalidValue(
          "messages[\(index)].role",
          "The role '\(message.role)' is not supported: use system, developer, user or assistant.")
      }
      let content = try message.content?.text(param: "messages[\(index)].content") ?? ""
      result.append(ChatMessage(role: role, content: content))
    }
    return result
  }
}

/// A message's content: a string, or an array of parts of which only text
/// parts are read (this model reads text only).
enum MessageContent: Decodable, DescribedJSONType {
  case text(String)
  case parts([Part])

  static let jsonDescription = "a string or an array of content parts"

  struct Part: Decodable {
    var type: String
    var text: String?
  }

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let text = try? container.decode(String.self) {
      self = .text(text)
      return
    }
    do {
      self = .parts(try container.decode([Part].self))
    } catch DecodingError.typeMismatch(_, let context)
      where context.codingPath.count == decoder.codingPath.count
    {
      throw DecodingError.typeMismatch(MessageContent.self, context)
    }
  }

  /// The text, with the text parts joined by newlines.
  func text(param: String) throws -> String {
    switch self {
    case .text(let text):
      return text
    case .parts(let parts):
      var texts: [String] = []
      for (index, part) in parts.enumerated() {
        guard part.type == "text" else {
          throw APIError.invalidValue(
            "\(param)[\(index)].type",
            "Content parts of type '\(part.type)' are not supported: this model reads text only.")
        }
        guard let text = part.text else { throw APIError.missing("\(param)[\(index)].text") }
        texts.append(text)
      }
      return texts.joined(separator: "\n")
    }
  }
}
