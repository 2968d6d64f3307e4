import Foundation

/// Where an OpenAI-compatible server is: its base address as a person writes it, with or without
/// the `/v1` its routes start with ("http://192.168.7.1:8080", "https://api.example.com/v1").
/// Only http and https, a host, no user name or password in the address (the key has its own
/// setting, so it never shows in STATUS.TXT), no query.
public struct RemoteAddress: Sendable, Hashable, CustomStringConvertible {
  /// The base address ending in the API's version, without a trailing slash.
  public let base: String
  /// "host:port" as written, for the answer's marker and messages.
  public let host: String
  public let isSecure: Bool

  public init?(_ text: String) {
    guard !text.contains(where: { $0.isWhitespace }), let components = URLComponents(string: text),
      let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
      let host = components.host, !host.isEmpty,
      components.user == nil, components.password == nil, components.query == nil,
      components.fragment == nil
    else { return nil }
    var path = components.path
    while path.hasSuffix("/") { path.removeLast() }
    // Servers put the routes under a version; "/v1" is added when the address has none.
    let lastPart = path.split(separator: "/").last ?? ""
    let isVersion =
      lastPart.count >= 2 && lastPart.first == "v" && lastPart.dropFirst().allSatisfy(\.isNumber)
    if !isVersion { path += "/v1" }
    let port = components.port.map { ":\($0)" } ?? ""
    let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    self.host = shownHost + port
    isSecure = scheme == "https"
    base = "\(scheme)://\(shownHost)\(port)\(path)"
  }

  public var chatCompletions: String { base + "/chat/completions" }
  public var completions: String { base + "/completions" }

  public var description: String { base }
}
