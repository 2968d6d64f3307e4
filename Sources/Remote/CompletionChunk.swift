import Foundation

/// One event of an OpenAI-compatible stream: a `chat.completion.chunk` (its text in
/// `choices[0].delta.content`) or a `text_completion` chunk (in `choices[0].text`), perhaps
/// with a `finish_reason`, the `usage` asked for, or an `error`. Unknown fields are ignored.
struct CompletionChunk: Decodable {
  struct Choice: Decodable {
    var delta: Delta?
    var text: String?
    var finishReason: String?

    enum CodingKeys: String, CodingKey {
      case delta, text
      case finishReason = "finish_reason"
    }
  }

  struct Delta: Decodable {
    var content: String?
  }

  struct Usage: Decodable {
    var promptTokens: Int?
    var completionTokens: Int?

    enum CodingKeys: String, CodingKey {
      case promptTokens = "prompt_tokens"
      case completionTokens = "completion_tokens"
    }
  }

  var choices: [Choice]?
  var usage: Usage?
  var error: ServerMessage?

  /// The text this chunk adds.
  var text: String {
    guard let choice = choices?.first else { return "" }
    return choice.delta?.content ?? choice.text ?? ""
  }

  /// Reads a chunk; nil when the data is not a JSON object of this shape.
  static func decode(_ data: String) -> CompletionChunk? {
    try? JSONDecoder().decode(CompletionChunk.self, from: Data(data.utf8))
  }
}

/// An error as servers put it: `{"message": ...}` (OpenAI's `error` object), or a plain string.
struct ServerMessage: Decodable {
  var message: String?

  init(from decoder: any Decoder) throws {
    if let text = try? decoder.singleValueContainer().decode(String.self) {
      message = text
      return
    }
    let object = try decoder.container(keyedBy: Keys.self)
    message = try? object.decode(String.self, forKey: .message)
  }

  private enum Keys: String, CodingKey { case message }
}

/// The body of a refused request: OpenAI's `{"error": {"message": ...}}`, or another server's
/// `{"detail": ...}` or `{"message": ...}`, or plain text.
struct RefusalBody: Decodable {
  var error: ServerMessage?
  var detail: String?
  var message: String?

  /// The server's own words about the refusal, made fit for one line.
  static func message(in bytes: [UInt8]) -> String? {
    if let body = try? JSONDecoder().decode(RefusalBody.self, from: Data(bytes)) {
      if let said = body.error?.message ?? body.detail ?? body.message {
        return RemoteEngineError.oneLine(said)
      }
      return nil
    }
    let text = String(decoding: bytes.prefix(400), as: UTF8.self)
    // An HTML error page says nothing a person can use in one line.
    if text.lowercased().contains("<html") { return nil }
    return RemoteEngineError.oneLine(text)
  }
}
