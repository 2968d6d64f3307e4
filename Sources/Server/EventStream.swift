import Hummingbird

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
}
