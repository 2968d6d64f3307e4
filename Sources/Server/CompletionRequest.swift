/// The body of `POST /v1/completions`: a text the model continues as it is.
struct CompletionRequest: Decodable, CompletionFields {
  var model: String?
  var prompt: PromptField
  var stream: Bool?
  var streamOptions: StreamOptions?
  var maxTokens: WholeNumber?
  var temperature: Double?
  var topP: Double?
  var stop: StopField?
  var seed: WholeNumber?
  var n: WholeNumber?

  enum CodingKeys: String, CodingKey {
    case model, prompt, stream, temperature, stop, seed, n
    case streamOptions = "stream_options"
    case maxTokens = "max_tokens"
    case topP = "top_p"
  }

  var requestedMaxTokens: Int? { maxTokens?.int }
  var maxTokensName: String { "max_tokens" }

  /// OpenAI's default answer length for completions.
  static let defaultMaxTokens = 16
}

/// `prompt`: a string, or an array holding one string.
struct PromptField: Decodable, DescribedJSONType {
  var text: String

  static let jsonDescription = "a string"

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let text = try? container.decode(String.self) {
      self.text = text
    } else if let texts = try? container.decode([String].self), texts.count == 1 {
      text = texts[0]
    } else if (try? container.decode([String].self)) != nil {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: decoder.codingPath,
          debugDescription: "one prompt at a time is answered here"))
    } else {
      throw DecodingError.typeMismatch(
        PromptField.self, .init(codingPath: decoder.codingPath, debugDescription: ""))
    }
  }
}
