import LLM

/// The fields both completion requests share, and what they ask of the engine.
protocol CompletionFields {
  var model: String? { get }
  var stream: Bool? { get }
  var streamOptions: StreamOptions? { get }
  var temperature: Double? { get }
  var topP: Double? { get }
  var stop: StopField? { get }
  var seed: WholeNumber? { get }
  var n: WholeNumber? { get }
  /// `max_completion_tokens` or `max_tokens`.
  var requestedMaxTokens: Int? { get }
  /// The parameter `requestedMaxTokens` came from, for errors.
  var maxTokensName: String { get }
}

/// `stream_options`.
struct StreamOptions: Decodable {
  /// Send a last chunk with the token counts.
  var includeUsage: Bool?

  enum CodingKeys: String, CodingKey {
    case includeUsage = "include_usage"
  }
}

/// `stop`: a string, or up to four.
struct StopField: Decodable, DescribedJSONType {
  var sequences: [String]

  static let jsonDescription = "a string or an array of strings"

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let one = try? container.decode(String.self) {
      sequences = [one]
    } else if let many = try? container.decode([String].self) {
      sequences = many
    } else {
      throw DecodingError.typeMismatch(
        StopField.self, .init(codingPath: decoder.codingPath, debugDescription: ""))
    }
  }
}

extension CompletionFields {
  var streams: Bool { stream ?? false }
  var includesUsage: Bool { streamOptions?.includeUsage ?? false }

  /// The stop sequences, checked: at most four of at most 256 characters
  /// (each piece of the answer is compared with them), empty ones ignored.
  func stopSequences() throws -> [String] {
    let sequences = (stop?.sequences ?? []).filter { !$0.isEmpty }
    guard sequences.count <= 4 else {
      throw APIError.invalidValue("stop", "'stop' takes at most 4 sequences.")
    }
    guard sequences.allSatisfy({ $0.unicodeScalars.count <= 256 }) else {
      throw APIError.invalidValue("stop", "A stop sequence may have at most 256 characters.")
    }
    return sequences
  }

  /// The sampling asked for; what is not given keeps this server's defaults.
  func sampling() throws -> SamplingOptions {
    var sampling = SamplingOptions()
    if let temperature {
      guard (0...2).contains(temperature) else {
        throw APIError.invalidValue("temperature", "'temperature' must be between 0 and 2.")
      }
      sampling.temperature = Float(temperature)
    }
    if let topP {
      guard (0...1).contains(topP) else {
        throw APIError.invalidValue("top_p", "'top_p' must be between 0 and 1.")
      }
      sampling.topP = Float(topP)
    }
    if let seed { sampling.seed = UInt64(bitPattern: seed.value) }
    if let n, n.value != 1 {
      throw APIError.invalidValue("n", "Only one choice is made here: 'n' must be 1.")
    }
    if let maxTokens = requestedMaxTokens, maxTokens < 1 {
      throw APIError.invalidValue(maxTokensName, "'\(maxTokensName)' must be at least 1.")
    }
    return sampling
  }
}
