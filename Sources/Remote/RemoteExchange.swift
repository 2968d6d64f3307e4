import AsyncHTTPClient
import Foundation
import LLM
import NIOCore
import NIOHTTP1
import Stick

/// One streamed request, run as a task: sends it, reads the server-sent events as they come,
/// and hands what they hold to the answering thread. Cancelling the task closes the connection.
struct RemoteExchange: Sendable {
  let client: HTTPClient
  let request: HTTPClientRequest
  let address: RemoteAddress
  let handOver: PieceHandOver

  /// The most of a refusal's body that is read for its message.
  static let refusalLimit = 64 << 10

  func run() async {
    let response: HTTPClientResponse
    do {
      response = try await client.execute(request, deadline: .distantFuture)
    } catch {
      if !Task.isCancelled {
        handOver.send(.failed(.unreachable(address, reason: Self.reason(error))))
      }
      return
    }
    guard response.status == .ok else {
      let body = await Self.prefix(of: response.body, upTo: Self.refusalLimit)
      handOver.send(
        .failed(
          .refused(
            address, status: Int(response.status.code), message: RefusalBody.message(in: body))))
      return
    }
    let type = response.headers.first(name: "content-type")?.lowercased() ?? ""
    guard type.contains("text/event-stream") else {
      handOver.send(
        .failed(
          .malformed(
            address, "it answered with \(type.isEmpty ? "no content type" : type), not a stream")))
      return
    }
    var reader = EventStreamReader()
    do {
      for try await buffer in response.body {
        for event in try reader.read(buffer.readableBytesView) {
          guard take(event) else { return }
        }
        guard await handOver.waitForRoom() else { return }
      }
      if let last = try reader.finish() {
        guard take(last) else { return }
      }
    } catch let error as EventStreamReader.TooLong {
      handOver.send(.failed(.malformed(address, "a line longer than \(error.limit >> 20) MiB")))
      return
    } catch {
      // A reset connection or a broken chunk: the answering thread decides whether the
      // answer was complete.
    }
    handOver.send(.closed)
  }

  /// Hands over what one event holds; false once the stream is over.
  private func take(_ event: ServerSentEvent) -> Bool {
    let data = event.data.trimmingCharacters(in: .whitespaces)
    if data == "[DONE]" {
      handOver.send(.done)
      return false
    }
    guard let chunk = CompletionChunk.decode(data) else {
      let shown = RemoteEngineError.oneLine(String(data.prefix(60))) ?? "an empty event"
      handOver.send(.failed(.malformed(address, "an event that is not JSON: \(shown)")))
      return false
    }
    if let error = chunk.error {
      let message = error.message.flatMap(RemoteEngineError.oneLine) ?? "no message"
      handOver.send(.failed(.reported(address, message)))
      return false
    }
    if event.name == "error" {
      handOver.send(.failed(.reported(address, RemoteEngineError.oneLine(data) ?? "no message")))
      return false
    }
    var open = true
    let text = chunk.text
    if !text.isEmpty { open = handOver.send(.piece(text)) }
    if let reason = chunk.choices?.first?.finishReason {
      open = open && handOver.send(.finish(Self.stopReason(reason)))
    }
    if let usage = chunk.usage {
      open =
        open
        && handOver.send(.usage(prompt: usage.promptTokens, completion: usage.completionTokens))
    }
    return open
  }

  static func stopReason(_ finishReason: String) -> StopReason {
    finishReason == "length" ? .maxTokens : .endOfGeneration
  }

  /// The first `limit` bytes of a body; the rest is not read.
  private static func prefix(of body: HTTPClientResponse.Body, upTo limit: Int) async -> [UInt8] {
    var bytes: [UInt8] = []
    do {
      for try await buffer in body {
        bytes += buffer.readableBytesView.prefix(limit - bytes.count)
        if bytes.count >= limit { break }
      }
    } catch {}
    return bytes
  }

  /// Why a connection failed, in a few words.
  static func reason(_ error: any Error) -> String {
    if let client = error as? HTTPClientError {
      switch client {
      case .connectTimeout: return "no connection within the connect timeout"
      case .remoteConnectionClosed: return "the server closed the connection"
      case .tlsHandshakeTimeout: return "the secure connection did not start in time"
      default: return "\(client)"
      }
    }
    let text = "\(error)"
    for (known, said) in [
      ("connection refused", "connection refused: nothing listens there"),
      ("ECONNREFUSED", "connection refused: nothing listens there"),
      ("host is unreachable", "the host is unreachable"),
      ("network is unreachable", "no network to reach it"),
      ("NXDOMAIN", "the name is unknown"),
      ("certificate", "its certificate is not trusted"),
    ] where text.localizedCaseInsensitiveContains(known) {
      return said
    }
    return RemoteEngineError.oneLine(text) ?? "unknown error"
  }
}
