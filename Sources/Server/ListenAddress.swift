import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Where the HTTP API listens: `HOST:PORT`, `[IPv6]:PORT`. Port 0 takes any
/// free port (the log says which).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
  public var host: String
  public var port: Int

  public init(host: String, port: Int) {
    self.host = host
    self.port = port
  }

  public init(parsing text: String) throws(ServerSettingsError) {
    var host: Substring
    let portText: Substring
    if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
      host = text[text.index(after: text.startIndex)..<close]
      let rest = text[text.index(after: close)...]
      guard rest.hasPrefix(":") else { throw .badAddress(text) }
      portText = rest.dropFirst()
    } else {
      guard let colon = text.lastIndex(of: ":") else { throw .badAddress(text) }
      host = text[..<colon]
      portText = text[text.index(after: colon)...]
      if host.contains(":") { throw .badAddress(text) }  // IPv6 needs brackets
    }
    guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else {
      throw .badAddress(text)
    }
    host = host == "*" ? "0.0.0.0" : host
    self.init(host: String(host), port: port)
  }

  public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

  /// Only this machine can reach it.
  public var isLoopback: Bool {
    if host == "localhost" { return true }
    switch IPAddress(host) {
    case .version4(let bytes): return bytes[0] == 127
    case .version6(let bytes): return bytes == [UInt8](repeating: 0, count: 15) + [1]
    case nil: return false
    }
  }

  /// It is an address of the USB network link to the computer the stick is
  /// plugged into (the gadget's `usb0`), which only that computer reaches.
  public var isUSBLink: Bool {
    guard let wanted = IPAddress(host) else { return false }
    var first: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&first) == 0 else { return false }
    defer { freeifaddrs(first) }
    var entry = first
    while let current = entry {
      defer { entry = current.pointee.ifa_next }
      guard let name = current.pointee.ifa_name, String(cString: name).hasPrefix("usb"),
        let address = current.pointee.ifa_addr, IPAddress(address) == wanted
      else { continue }
      return true
    }
    return false
  }
}

/// An IP address as bytes, to compare addresses however they are written.
enum IPAddress: Equatable {
  case version4([UInt8])
  case version6([UInt8])

  init?(_ text: String) {
    var four = in_addr()
    var six = in6_addr()
    if inet_pton(AF_INET, text, &four) == 1 {
      self = .version4(withUnsafeBytes(of: four) { Array($0) })
    } else if inet_pton(AF_INET6, text, &six) == 1 {
      self = .version6(withUnsafeBytes(of: six) { Array($0) })
    } else {
      return nil
    }
  }

  init?(_ address: UnsafeMutablePointer<sockaddr>) {
    switch Int32(address.pointee.sa_family) {
    case AF_INET:
      let bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
        withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) }
      }
      self = .version4(bytes)
    case AF_INET6:
      let bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
        withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) }
      }
      self = .version6(bytes)
    default:
      return nil
    }
  }
}
