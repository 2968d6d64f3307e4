import Foundation
import LLM
import Stick
import Tokenizer

/// The JSON body of a streamed request: `/chat/completions` for a conversation,
/// `/completions` for a text to continue.
struct RemoteRequest: Encodable {
  struct Message: Encodable {
    var role: String
    var content: String
  }

  struct StreamOptions: Encodable {
    var includeUsage = true

    enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
  }

  var model: String?
  var messages: [Message]?
  var prompt: String?
  var stream = true
  var streamOptions = StreamOptions()
  var maxTokens: Int
  var temperature: Float
  var topP: Float
  var seed: Int64?

  enum CodingKeys: String, CodingKey {
    case model, messages, prompt, stream, temperature, seed
    case streamOptions = "stream_options"
    case maxTokens = "max_tokens"
    case topP = "top_p"
  }

  init(_ prompt: AnswerPrompt, model: String?, options: GenerationOptions) {
    self.model = model
    switch prompt {
    case .conversation(let turns):
      messages = turns.map { Message(role: $0.role.rawValue, content: $0.content) }
    case .text(let text):
      self.prompt = text
    }
    maxTokens = options.maxTokens
    temperature = options.sampling.temperature
    topP = options.sampling.topP
    seed = options.sampling.seed.flatMap { Int64(exactly: $0) }
  }

  /// Where it goes at `address`.
  func url(at address: RemoteAddress) -> String {
    messages == nil ? address.completions : address.chatCompletions
  }

  var body: Data {
    // Encoding strings and numbers cannot fail.
    (try? JSONEncoder().encode(self)) ?? Data()
  }
}
