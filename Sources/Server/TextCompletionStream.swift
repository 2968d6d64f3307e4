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

  /// The answer as server-sent events: the text as it is made.
  func response(reading reader: AnswerReader, watching connection: any Channel, note: RequestNote)
    -> Response
  {
    EventStream.response(
      reading: reader, watching: connection, note: note, opening: nil,
      piece: { chunk($0) }, closing: { chunk("", $0) }, usage: includesUsage ? usage : nil)
  }
}
