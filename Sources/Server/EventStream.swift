import Hummingbird
import NIOCore

/// Server-sent events as OpenAI streams them: each chunk a `data:` line of
/// JSON and a blank line, and `data: [DONE]` at the end.
enum EventStream {
  static let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]

  static func event(_ value: some Encodable) -> ByteBuffer {
    var buffer = ByteBuffer(string: "data: ")
    buffer.writeBytes(JSONCoding.encode(value))
    buffer.writeString("\n\n")
    return buffer
  }

  static let done = ByteBuffer(string: "data: [DONE]\n\n")

  /// An answer as server-sent events, the same for chat and text
  /// completions: `opening` if there is one, a chunk for each piece of text
  /// as it is made, the chunk with the finish reason, the usage when
  /// `usage` is given, and `[DONE]`. A server that stops ends the stream
  /// with an error event; for a client that left, nothing more is sent.
  static func response<Chunk: Encodable & Sendable>(
    reading reader: AnswerReader, watching connection: any Channel, note: RequestNote,
    opening: Chunk?, piece: @escaping @Sendable (String) -> Chunk,
    closing: @escaping @Sendable (FinishReason) -> Chunk,
    usage: (@Sendable (Usage) -> Chunk)?
  ) -> Response {
    Response(
      status: .ok, headers: headers,
      body: ResponseBody { writer in
        if let opening { try await writer.write(event(opening)) }
        let outcome = try await reader.read(watching: connection) { text in
          try await writer.write(event(piece(text)))
        }
        note.set(outcome.note + ", streamed")
        switch outcome.ending {
        case .finished(let reason):
          try await writer.write(event(closing(reason)))
          if let usage { try await writer.write(event(usage(outcome.usage))) }
          try await writer.write(done)
        case .stopping:
          try await writer.write(event(["error": APIError.stopping]))
        case .clientLeft:
          break
        }
        try await writer.finish(nil)
      })
  }
}
