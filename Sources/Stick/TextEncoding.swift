/// How a text file stores its characters.
public enum TextEncoding: Sendable, Equatable {
  case utf8
  /// Little-endian UTF-16, what Windows Notepad calls "Unicode".
  case utf16LittleEndian
  /// Big-endian UTF-16, what Windows Notepad calls "Unicode big endian".
  case utf16BigEndian
  /// Windows-1252, what Windows Notepad called "ANSI" on Western systems (`Windows1252`).
  case windows1252

  /// The byte order mark that opens a file in this encoding (none for Windows-1252).
  public var byteOrderMark: [UInt8] {
    switch self {
    case .utf8: [0xEF, 0xBB, 0xBF]
    case .utf16LittleEndian: [0xFF, 0xFE]
    case .utf16BigEndian: [0xFE, 0xFF]
    case .windows1252: []
    }
  }
}

/// How a text file ends its lines.
public enum LineEnding: Sendable, Equatable {
  /// "\n", as on Linux and macOS.
  case lineFeed
  /// "\r\n", as on Windows.
  case carriageReturnLineFeed

  public var text: String {
    switch self {
    case .lineFeed: "\n"
    case .carriageReturnLineFeed: "\r\n"
    }
  }
}

/// Everything needed to write more text into a file so that it matches what is there.
public struct TextFormat: Sendable, Equatable {
  public var encoding: TextEncoding
  /// Whether the file opens with a byte order mark. Appended text never repeats it.
  public var hasByteOrderMark: Bool
  public var lineEnding: LineEnding

  public init(encoding: TextEncoding, hasByteOrderMark: Bool, lineEnding: LineEnding) {
    self.encoding = encoding
    self.hasByteOrderMark = hasByteOrderMark
    self.lineEnding = lineEnding
  }

  /// The bytes of `text` in this format, every "\n" written as this format's line ending.
  /// `text` must hold no "\r\n" of its own (it would become "\r\r\n"). No byte order mark.
  /// In Windows-1252 a character the code page lacks is written "?".
  public func encode(_ text: String) -> [UInt8] {
    let carriageReturn = lineEnding == .carriageReturnLineFeed
    var bytes: [UInt8] = []
    switch encoding {
    case .utf8:
      bytes.reserveCapacity(text.utf8.count)
      for byte in text.utf8 {
        if byte == 0x0A && carriageReturn { bytes.append(0x0D) }
        bytes.append(byte)
      }
    case .utf16LittleEndian, .utf16BigEndian:
      let littleEndian = encoding == .utf16LittleEndian
      bytes.reserveCapacity(text.utf16.count * 2)
      func append(_ unit: UInt16) {
        let low = UInt8(truncatingIfNeeded: unit)
        let high = UInt8(truncatingIfNeeded: unit >> 8)
        if littleEndian {
          bytes.append(low)
          bytes.append(high)
        } else {
          bytes.append(high)
          bytes.append(low)
        }
      }
      for unit in text.utf16 {
        if unit == 0x0A && carriageReturn { append(0x0D) }
        append(unit)
      }
    case .windows1252:
      bytes.reserveCapacity(text.unicodeScalars.count)
      for scalar in text.unicodeScalars {
        if scalar == "\n" && carriageReturn { bytes.append(0x0D) }
        bytes.append(Windows1252.byte(for: scalar))
      }
    }
    return bytes
  }

  /// `text` as a file in this format keeps it: in Windows-1252 each character the code page
  /// lacks becomes "?" (see `encode`); the Unicode encodings keep every character.
  public func representable(_ text: String) -> String {
    encoding == .windows1252 ? Windows1252.representable(text) : text
  }

  /// A whole file holding `text` in this format: the byte order mark if the format has one, then
  /// the text. Useful to build files in this format (tests, new files).
  public func encodeFile(_ text: String) -> [UInt8] {
    (hasByteOrderMark ? encoding.byteOrderMark : []) + encode(text)
  }
}
