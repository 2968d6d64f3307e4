/// The remote engine SETTINGS.TXT (or the command line) names: an OpenAI-compatible server that
/// answers instead of the model on the board, which answers whenever that server cannot.
public struct RemoteSettings: Sendable, Hashable {
  public var address: RemoteAddress
  /// The model id the server is asked for; nil: the server's own choice (sent without one).
  public var model: String?
  /// Sent as `Authorization: Bearer KEY`; nil: no key.
  public var key: String?
  /// How long a connection may take.
  public var connectTimeout: Duration
  /// How long the first piece of an answer may take, connecting included.
  public var firstPieceTimeout: Duration
  /// How long the server may go quiet between pieces.
  public var idleTimeout: Duration

  public static let defaultConnectTimeout = 5
  public static let defaultTimeout = 60
  public static let defaultIdleTimeout = 30

  public init(
    address: RemoteAddress, model: String? = nil, key: String? = nil,
    connectTimeout: Duration = .seconds(defaultConnectTimeout),
    firstPieceTimeout: Duration = .seconds(defaultTimeout),
    idleTimeout: Duration = .seconds(defaultIdleTimeout)
  ) {
    self.address = address
    self.model = model
    self.key = key
    self.connectTimeout = connectTimeout
    self.firstPieceTimeout = firstPieceTimeout
    self.idleTimeout = idleTimeout
  }

  /// The name in the answer's marker: the model and the server it runs on.
  public var displayName: String {
    model.map { "\($0) at \(address.host)" } ?? address.host
  }
}
