/// Turns generated tokens into text as they arrive. A character can span
/// several tokens (an emoji is often two or three), so bytes are held back
/// until they complete a character; half a character is never emitted.
/// Bytes that can never become valid UTF-8 are emitted as U+FFFD at once.
public struct StreamingDecoder: Sendable {
  private let tokenizer: Tokenizer
  private let renderSpecial: Bool
  private var pending: [UInt8] = []

  public init(tokenizer: Tokenizer, renderSpecial: Bool = false) {
    self.tokenizer = tokenizer
    self.renderSpecial = renderSpecial
  }

  /// The text that `token` completes; often empty while a character is
  /// still incomplete.
  public mutating func append(_ token: Int32) -> String {
    pending.append(contentsOf: tokenizer.bytes(of: token, renderSpecial: renderSpecial))
    return takeComplete()
  }

  /// The rest: an incomplete character left at the end becomes U+FFFD.
  public mutating func finish() -> String {
    defer { pending.removeAll() }
    return String(decoding: pending, as: UTF8.self)
  }

  /// Emits everything up to the first incomplete (but still possibly valid)
  /// sequence at the end of the buffer.
  private mutating func takeComplete() -> String {
    var index = 0
    var keepFrom = pending.count
    while index < pending.count {
      switch Self.sequence(in: pending, at: index) {
      case .complete(let length), .invalid(let length):
        index += length
      case .incomplete:
        keepFrom = index
        index = pending.count
      }
    }
    // Invalid stretches decode to U+FFFD, maximal subpart by subpart, as
    // String(decoding:) does.
    let text = String(decoding: pending[..<keepFrom], as: UTF8.self)
    pending.removeFirst(keepFrom)
    return text
  }

  private enum Sequence {
    case complete(Int)
    /// A maximal invalid subpart of this many bytes.
    case invalid(Int)
    /// A valid start that the buffer ends in the middle of.
    case incomplete
  }

  private static func sequence(in bytes: [UInt8], at start: Int) -> Sequence {
    let lead = bytes[start]
    let length: Int
    var secondRange: ClosedRange<UInt8> = 0x80...0xBF
    switch lead {
    case 0x00...0x7F: return .complete(1)
    case 0xC2...0xDF: length = 2
    case 0xE0:
      length = 3
      secondRange = 0xA0...0xBF
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED:
      length = 3
      secondRange = 0x80...0x9F
    case 0xF0:
      length = 4
      secondRange = 0x90...0xBF
    case 0xF1...0xF3: length = 4
    case 0xF4:
      length = 4
      secondRange = 0x80...0x8F
    default: return .invalid(1)
    }
    for offset in 1..<length {
      guard start + offset < bytes.count else { return .incomplete }
      let byte = bytes[start + offset]
      let valid = offset == 1 ? secondRange.contains(byte) : (0x80...0xBF).contains(byte)
      if !valid { return .invalid(offset) }
    }
    return .complete(length)
  }
}
