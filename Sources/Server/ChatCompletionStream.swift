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

  /// The answer as server-sent events: the role first, then the text.
  func response(reading reader: AnswerReader, watching connection: any Channel, note: RequestNote)
    -> Response
  {
    EventStream.response(
      reading: reader, watching: connection, note: note,
      opening: chunk(.init(role: "assistant", content: "")),
      piece: { chunk(.init(content: $0)) }, closing: { chunk(.init(), $0) },
      usage: includesUsage ? usage : nil)
  }
}
