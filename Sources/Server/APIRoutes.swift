import Foundation
import Hummingbird
import LLM
import Stick

/// The routes' shared ground: the one engine served, the queue to it, and
/// the rules every completion request follows.
struct APIRoutes: Sendable {
  let queue: AnswerQueue
  let engine: EngineReference
  let bodyLimit: Int
  /// When the server started: the model's `created` time.
  let started = Int(Date().timeIntervalSince1970)

  /// Decodes a request body of `type`, refusing bodies past the limit.
  func decode<Body: Decodable>(_ type: Body.Type, from request: Request) async throws -> Body {
    try JSONCoding.decode(type, from: try await request.bodyData(limit: bodyLimit))
  }

  /// The model asked for must be the one served; an omitted one is it.
  func checkModel(_ name: String?) throws {
    guard let name, !name.isEmpty else { return }
    let served = engine.modelName.lowercased()
    guard [served, served + ".gguf"].contains(name.lowercased()) else {
      throw APIError.unknownModel(name)
    }
  }

  /// The options an answer to `prompt` runs with. The answer's length is
  /// fitted to the room the prompt leaves in the context (up to all of it
  /// when none is asked for), and a prompt that leaves no room is refused:
  /// the API never shortens a prompt behind the client's back.
  func options(
    for prompt: AnswerPrompt, fields: some CompletionFields, defaultMaxTokens: Int?,
    promptName: String
  ) throws -> GenerationOptions {
    let sampling = try fields.sampling()
    var maxTokens = fields.requestedMaxTokens ?? defaultMaxTokens
    if let measure = engine.promptMeasure {
      let tokens = measure.tokenCount(prompt)
      let room = measure.contextLength - tokens
      let fitted = min(maxTokens ?? room, room)
      guard fitted >= 1, tokens <= measure.promptBudget(maxTokens: fitted) else {
        throw APIError.contextExceeded(
          promptTokens: tokens, contextLength: measure.contextLength, param: promptName)
      }
      maxTokens = fitted
    }
    return GenerationOptions(
      maxTokens: maxTokens ?? GenerationOptions().maxTokens, sampling: sampling)
  }

  /// Queues the answer: 429 when the queue is full.
  func submit(_ prompt: AnswerPrompt, options: GenerationOptions) throws -> AnswerTicket {
    do {
      return try queue.submit(prompt, options: options, on: engine)
    } catch .full(let retryAfter) {
      throw APIError.busy(retryAfter: retryAfter)
    } catch {
      throw APIError.stopping
    }
  }

  static func newID(_ prefix: String) -> String {
    prefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
  }

  static var now: Int { Int(Date().timeIntervalSince1970) }

  static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    Response(
      status: status, headers: [.contentType: "application/json"],
      body: .init(byteBuffer: ByteBuffer(bytes: JSONCoding.encode(value))))
  }

  /// Reads the whole answer and makes the response of a finished one with
  /// `finished` (its text, finish reason and usage); an answer that did not
  /// finish gets the stopping error.
  static func wholeAnswer(
    _ reader: AnswerReader, context: ServerContext,
    finished: (String, FinishReason, Usage) -> Response
  ) async throws -> Response {
    let (text, outcome) = try await reader.readAll(watching: context.channel)
    context.note.set(outcome.note)
    guard case .finished(let reason) = outcome.ending else {
      return unfinished(outcome.ending)
    }
    return finished(text, reason, outcome.usage)
  }

  /// The response for an answer that did not finish.
  private static func unfinished(_ ending: AnswerOutcome.Ending) -> Response {
    var response = APIError.stopping.response
    if ending == .clientLeft {
      // Nobody reads it; the status tells the log what happened.
      response.status = .init(code: 499, reasonPhrase: "Client Closed Request")
    }
    return response
  }
}
