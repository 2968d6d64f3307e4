/// How the HTTP API is served.
public struct ServerSettings: Sendable {
  public var address: ListenAddress
  /// When set, every `/v1` request must carry `Authorization: Bearer <key>`.
  public var apiKey: String?
  /// Request bodies larger than this are refused (413): a prompt that fills
  /// the context is a few tens of kilobytes.
  public var bodyLimit = 1 << 20

  public init(address: ListenAddress, apiKey: String? = nil) {
    self.address = address
    self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
  }

  /// Refuses to serve without a key where other machines can reach the API,
  /// unless `allowOpen` says that is meant. Loopback and the USB link reach
  /// only this machine and the computer the stick is plugged into.
  public func check(allowOpen: Bool) throws(ServerSettingsError) {
    guard apiKey == nil, !allowOpen, !address.isLoopback, !address.isUSBLink else { return }
    throw .openWithoutKey(address)
  }
}

public enum ServerSettingsError: Error, Equatable, CustomStringConvertible {
  case badAddress(String)
  case openWithoutKey(ListenAddress)

  public var description: String {
    switch self {
    case .badAddress(let text):
      "'\(text)' is not HOST:PORT (for example 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080)"
    case .openWithoutKey(let address):
      "\(address) can be reached from other machines: give an API key (--api-key or "
        + "AISTICK_API_KEY), or --allow-open to serve without one"
    }
  }
}
