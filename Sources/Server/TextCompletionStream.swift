import Hummingbird
import NIOCore

/// The chunks of one streamed text completion.
struct TextChunks: Sendable {
  let id: String
  let created: Int
  let model: String
  let includesUsage: Bool

  func chunk(_ text: String, _ reason: FinishReason? = nil) -> TextCompletion {
    TextCompletion(
      id: id, created: created, model: model,
      choices: [.init(text: text, finishReason: reason)], includesUsage: includesUsage)
  }

  func usage(_ usage: Usage) -> TextCompletion {
    TextCompletion(
      id: id, created: created, model: model, choices: [], usage: usage, includesUsage: true)
  }

  /// The answer as server-sent events: the text as it is made, the finish
  /// reason, the usage when asked for, and `[DONE]`.
  func response(reading reader: AnswerReader, watching connection: any Channel, note: RequestNote)
    -> Response
  {
    Response(
      status: .ok, headers: EventStream.headers,
      body: ResponseBody { writer in
        let outcome = try await reader.read(watching: connection) { text in
          try await writer.write(EventStream.event(chunk(text)))
        }
        note.set(outcome.note + ", streamed")
        switch outcome.ending {
        case .finished(let reason):
          try await writer.write(EventStream.event(chunk("", reason)))
          if includesUsage { try await writer.write(EventStream.event(usage(outcome.usage))) }
          try await writer.write(EventStream.done)
        case .stopping:
          try await writer.write(EventStream.event(["error": APIError.stopping]))
        case .clientLeft:
          break
        }
        try await writer.finish(nil)
      })
  }
}
