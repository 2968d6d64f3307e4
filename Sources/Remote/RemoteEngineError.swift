import Stick

/// Why the remote engine did not answer, said so the person knows what to change. Every
/// sentence starts as `StatusBoard.remoteEnginePrefix` says, so STATUS.TXT can drop them all
/// once the engine answers again. The key is never part of one.
public enum RemoteEngineError: Error, Sendable, Equatable, CustomStringConvertible {
  /// No connection: a wrong address, a server that is not running, no network.
  case unreachable(RemoteAddress, reason: String)
  /// The server answered the request with an HTTP error, and perhaps its own message.
  case refused(RemoteAddress, status: Int, message: String?)
  /// Nothing came in time.
  case timedOut(RemoteAddress, Wait, seconds: Int)
  /// What came is not an OpenAI-compatible stream.
  case malformed(RemoteAddress, String)
  /// The connection ended before the answer did.
  case cutOff(RemoteAddress)
  /// The server sent an error in the middle of the stream.
  case reported(RemoteAddress, String)

  /// What was waited for.
  public enum Wait: Sendable, Equatable {
    /// The first piece of the answer (`engine_timeout`).
    case firstPiece
    /// The next piece, in the middle of the answer (`engine_idle_timeout`).
    case nextPiece
  }

  public var description: String {
    switch self {
    case .unreachable(let address, let reason):
      return "\(Self.start(address)) cannot be reached (\(reason)): check engine_url in "
        + "\(SettingsFile.fileName) and that the server is running"
    case .refused(let address, let status, let message):
      let said = message.map { ": \($0)" } ?? ""
      return "\(Self.start(address)) refused the question with HTTP \(status)\(said)"
        + Self.advice(status: status)
    case .timedOut(let address, .firstPiece, let seconds):
      return "\(Self.start(address)) did not answer within \(seconds) s (engine_timeout)"
    case .timedOut(let address, .nextPiece, let seconds):
      return "\(Self.start(address)) went quiet for \(seconds) s in the middle of an answer "
        + "(engine_idle_timeout)"
    case .malformed(let address, let what):
      return "\(Self.start(address)) sent something that is not an OpenAI-compatible answer "
        + "(\(what)): check that engine_url names such a server"
    case .cutOff(let address):
      return "\(Self.start(address)) stopped in the middle of an answer"
    case .reported(let address, let message):
      return "\(Self.start(address)) reported an error: \(message)"
    }
  }

  private static func start(_ address: RemoteAddress) -> String {
    StatusBoard.remoteEnginePrefix + "at \(address)"
  }

  private static func advice(status: Int) -> String {
    switch status {
    case 401, 403: "; check engine_key"
    case 404: "; check engine_url and engine_model"
    case 400, 422: "; check engine_model and the other settings"
    case 429: "; it is busy or over its limit, try again later"
    case 500...: "; the server has a problem"
    default: ""
    }
  }

  /// A server's words made fit for one line of STATUS.TXT: no line breaks or control
  /// characters, at most 200 characters.
  static func oneLine(_ text: String) -> String? {
    let flat = String(
      text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
    let words = flat.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    guard !words.isEmpty else { return nil }
    return words.count <= 200 ? words : String(words.prefix(197)) + "..."
  }
}
