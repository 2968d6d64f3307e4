import Hummingbird
import NIOCore

/// The chunks of one streamed chat completion.
struct ChatChunks: Sendable {
  let id: String
  let created: Int
  let model: String
  let includesUsage: Bool

  func chunk(_ delta: ChatCompletionChunk.Delta, _ reason: FinishReason? = nil)
    -> ChatCompletionChunk
  {
    ChatCompletionChunk(
      id: id, created: created, model: model,
      choices: [.init(delta: delta, finishReason: reason)], includesUsage: includesUsage)
  }

  func usage(_ usage: Usage) -> ChatCompletionChunk {
    ChatCompletionChunk(
      id: id, created: created, model: model, choices: [], usage: usage, includesUsage: true)
  }

  /// The answer as server-sent events: the role, the text as it is made,
  /// the finish reason, the usage when asked for, and `[DONE]`.
  func response(reading reader: AnswerReader, watching connection: any Channel, note: RequestNote)
    -> Response
  {
    Response(
      status: .ok, headers: EventStream.headers,
      body: ResponseBody { writer in
        try await writer.write(EventStream.event(chunk(.init(role: "assistant", content: ""))))
        let outcome = try await reader.read(watching: connection) { text in
          try await writer.write(EventStream.event(chunk(.init(content: text))))
        }
        note.set(outcome.note + ", streamed")
        switch outcome.ending {
        case .finished(let reason):
          try await writer.write(EventStream.event(chunk(.init(), reason)))
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
