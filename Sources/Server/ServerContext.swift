import Hummingbird
import NIOCore
import Synchronization

/// What a request carries through the routes: Hummingbird's own context,
/// who sent it, and a note on what came of it for the log line.
struct ServerContext: RequestContext {
  var coreContext: CoreRequestContextStorage
  /// The client's connection, watched while its answer is made.
  let channel: any Channel
  /// The client's address, for the log.
  let client: String
  let note = RequestNote()

  init(source: ApplicationRequestContextSource) {
    coreContext = .init(source: source)
    channel = source.channel
    client = source.channel.remoteAddress?.ipAddress ?? "-"
  }
}

/// Set by a route with what the request came to ("12 tokens, stop"); read
/// once the response is written.
final class RequestNote: Sendable {
  private let text = Mutex<String?>(nil)

  func set(_ note: String) { text.withLock { $0 = note } }
  var value: String? { text.withLock { $0 } }
}
