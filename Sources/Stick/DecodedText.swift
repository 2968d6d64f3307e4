/// A text file's bytes read as text, with what is needed to append to it in kind.
public struct DecodedText: Sendable, Equatable {
  /// The text without its byte order mark, line endings as the file has them.
  public var text: String
  public var format: TextFormat

  public init(text: String, format: TextFormat) {
    self.text = text
    self.format = format
  }

  /// Reads a file's bytes: UTF-8 with or without a byte order mark, UTF-16 in either byte order
  /// with one (how Windows saves "Unicode" text), and, when bytes without a mark are not UTF-8,
  /// Windows-1252 text in a Western language (how older Windows saved "ANSI" text). Anything else
  /// is refused with a reason.
  public init(bytes: [UInt8]) throws(PromptFileError) {
    var encoding: TextEncoding
    let hasByteOrderMark: Bool
    if bytes.starts(with: TextEncoding.utf8.byteOrderMark) {
      (encoding, hasByteOrderMark) = (.utf8, true)
    } else if bytes.starts(with: TextEncoding.utf16LittleEndian.byteOrderMark) {
      (encoding, hasByteOrderMark) = (.utf16LittleEndian, true)
    } else if bytes.starts(with: TextEncoding.utf16BigEndian.byteOrderMark) {
      (encoding, hasByteOrderMark) = (.utf16BigEndian, true)
    } else {
      (encoding, hasByteOrderMark) = (.utf8, false)
    }
    let body = bytes[(hasByteOrderMark ? encoding.byteOrderMark.count : 0)...]
    let text: String
    if encoding != .utf8 {
      text = try Self.decodeUTF16(body, littleEndian: encoding == .utf16LittleEndian)
    } else {
      do {
        text = try Self.decodeUTF8(body)
      } catch .undecodable(let reason) where !hasByteOrderMark {
        // Bytes that are not UTF-8 and carry no mark may be older Windows "ANSI" text.
        guard let legacy = Windows1252.decode(body) else {
          throw .undecodable(
            reason + ", nor Western \"ANSI\" text (Windows-1252); it may be saved in another"
              + " older encoding")
        }
        (text, encoding) = (legacy, .windows1252)
      }
    }
    if Self.looksBinary(text.utf8) { throw .binary }
    let lineEnding = Self.lineEnding(of: text.utf8, encoding: encoding)
    self.init(
      text: text,
      format: TextFormat(
        encoding: encoding, hasByteOrderMark: hasByteOrderMark, lineEnding: lineEnding))
  }

  private static func decodeUTF8(_ bytes: ArraySlice<UInt8>) throws(PromptFileError) -> String {
    // NUL bytes are valid UTF-8 but no text editor writes them; check first so that a picture
    // or UTF-16 without a byte order mark is called binary rather than "invalid at byte 1".
    if bytes.contains(0) { throw .binary }
    if let text = String(validating: bytes, as: UTF8.self) { return text }
    let offset = firstInvalidUTF8Offset(bytes) ?? bytes.startIndex
    throw .undecodable("byte \(offset + 1) is not UTF-8")
  }

  /// Where the first byte that breaks UTF-8 is, counted from the start of the file.
  private static func firstInvalidUTF8Offset(_ bytes: ArraySlice<UInt8>) -> Int? {
    var index = bytes.startIndex
    while index < bytes.endIndex {
      let lead = bytes[index]
      let length: Int
      var secondRange: ClosedRange<UInt8> = 0x80...0xBF
      switch lead {
      case 0x00...0x7F: length = 1
      case 0xC2...0xDF: length = 2
      case 0xE0: (length, secondRange) = (3, 0xA0...0xBF)
      case 0xED: (length, secondRange) = (3, 0x80...0x9F)
      case 0xE1...0xEF: length = 3
      case 0xF0: (length, secondRange) = (4, 0x90...0xBF)
      case 0xF1...0xF3: length = 4
      case 0xF4: (length, secondRange) = (4, 0x80...0x8F)
      default: return index
      }
      for position in 1..<max(length, 1) {
        let next = index + position
        guard next < bytes.endIndex else { return index }
        let range = position == 1 ? secondRange : 0x80...0xBF
        guard range.contains(bytes[next]) else { return index }
      }
      index += length
    }
    return nil
  }

  private static func decodeUTF16(
    _ bytes: ArraySlice<UInt8>, littleEndian: Bool
  ) throws(PromptFileError) -> String {
    guard bytes.count % 2 == 0 else {
      throw .undecodable("it is UTF-16 text with an odd number of bytes, so its end is cut off")
    }
    var units: [UInt16] = []
    units.reserveCapacity(bytes.count / 2)
    var index = bytes.startIndex
    while index < bytes.endIndex {
      let first = UInt16(bytes[index])
      let second = UInt16(bytes[index + 1])
      units.append(littleEndian ? first | second << 8 : first << 8 | second)
      index += 2
    }
    if units.contains(0) { throw .binary }
    // A surrogate must come as a high-low pair; a lone one is a damaged file.
    var position = 0
    while position < units.count {
      let unit = units[position]
      if UTF16.isLeadSurrogate(unit) {
        guard position + 1 < units.count, UTF16.isTrailSurrogate(units[position + 1]) else {
          throw .undecodable("character \(position + 1) is half of a UTF-16 pair")
        }
        position += 2
      } else if UTF16.isTrailSurrogate(unit) {
        throw .undecodable("character \(position + 1) is half of a UTF-16 pair")
      } else {
        position += 1
      }
    }
    return String(decoding: units, as: UTF16.self)
  }

  /// Text has no NUL and few control characters; tab, line breaks, form feed and escape (pasted
  /// from terminals) are normal.
  private static func looksBinary(_ utf8: String.UTF8View) -> Bool {
    var controls = 0
    for byte in utf8 where byte < 0x20 || byte == 0x7F {
      switch byte {
      case 0x00: return true
      case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B: break
      default: controls += 1
      }
    }
    return controls > 2 && controls * 20 > utf8.count
  }

  /// The line ending most lines use; on a tie, the last line's (that is where text is appended).
  /// Without any line break: LF, except in UTF-16, which is what Windows writes and where CRLF is
  /// the habit.
  private static func lineEnding(of utf8: String.UTF8View, encoding: TextEncoding) -> LineEnding {
    var crlf = 0
    var lf = 0
    var last: LineEnding?
    var previous: UInt8 = 0
    for byte in utf8 {
      if byte == 0x0A {
        if previous == 0x0D {
          crlf += 1
          last = .carriageReturnLineFeed
        } else {
          lf += 1
          last = .lineFeed
        }
      }
      previous = byte
    }
    guard let last else { return encoding == .utf8 ? .lineFeed : .carriageReturnLineFeed }
    if crlf == lf { return last }
    return crlf > lf ? .carriageReturnLineFeed : .lineFeed
  }
}
