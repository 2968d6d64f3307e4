/// One server-sent event: its `event:` name (empty when none) and its `data:` lines joined by
/// line breaks.
public struct ServerSentEvent: Sendable, Equatable {
  public var name: String
  public var data: String

  public init(name: String = "", data: String) {
    self.name = name
    self.data = data
  }
}

/// Reads a server-sent event stream as its bytes arrive, split anywhere. Lines end with LF,
/// CRLF or CR (a CR at the end of one piece and an LF at the start of the next are one line
/// break); lines starting with `:` are comments; an empty line ends an event. A line or an
/// event larger than `limit` is refused rather than held: a server must not be able to fill
/// the board's memory.
public struct EventStreamReader: Sendable {
  public struct TooLong: Error, Sendable, Equatable {
    public let limit: Int
    public init(limit: Int) { self.limit = limit }
  }

  public let limit: Int
  private var line: [UInt8] = []
  private var data: [UInt8] = []
  private var hasData = false
  private var name = ""
  /// The last byte was a CR: an LF right after it belongs to the same line break.
  private var afterCarriageReturn = false

  public init(limit: Int = 1 << 20) {
    self.limit = limit
  }

  /// The events completed by `bytes`.
  public mutating func read(_ bytes: some Sequence<UInt8>) throws(TooLong) -> [ServerSentEvent] {
    var events: [ServerSentEvent] = []
    for byte in bytes {
      if afterCarriageReturn {
        afterCarriageReturn = false
        if byte == 0x0A { continue }
      }
      switch byte {
      case 0x0A, 0x0D:
        afterCarriageReturn = byte == 0x0D
        if let event = try endLine() { events.append(event) }
      default:
        guard line.count < limit else { throw TooLong(limit: limit) }
        line.append(byte)
      }
    }
    return events
  }

  /// The event the stream ended in the middle of, if it has data: a server may close the
  /// connection right after its last `data:` line.
  public mutating func finish() throws(TooLong) -> ServerSentEvent? {
    if !line.isEmpty { _ = try endLine() }
    return try endLine()
  }

  /// Takes in the line read so far; an empty line dispatches the event.
  private mutating func endLine() throws(TooLong) -> ServerSentEvent? {
    defer { line.removeAll(keepingCapacity: true) }
    if line.isEmpty {
      defer {
        data.removeAll(keepingCapacity: true)
        hasData = false
        name = ""
      }
      guard hasData else { return nil }
      return ServerSentEvent(name: name, data: String(decoding: data, as: UTF8.self))
    }
    if line.first == UInt8(ascii: ":") { return nil }
    let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
    let field = line[..<colon]
    var value = line[colon...].dropFirst()
    if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
    if field.elementsEqual("data".utf8) {
      if hasData { data.append(0x0A) }
      guard data.count + value.count <= limit else { throw TooLong(limit: limit) }
      data.append(contentsOf: value)
      hasData = true
    } else if field.elementsEqual("event".utf8) {
      name = String(decoding: value, as: UTF8.self)
    }
    return nil
  }
}
