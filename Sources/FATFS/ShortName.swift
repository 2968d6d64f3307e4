/// 8.3 short names: decoding, and generating unique ones for long names the way Windows does
/// (upper case, invalid characters as `_`, a `~N` tail when the long name does not fit).
enum ShortName {
  /// Characters allowed in a short name besides A-Z and 0-9.
  private static let punctuation: Set<UInt8> = Set("!#$%&'()-@^_`{}~".utf8)
  /// Characters allowed in long names but not in short ones; they become `_`.
  private static let replaced: Set<UInt8> = Set("+,;=[]".utf8)

  /// The text of a space-padded name field. Bytes above 0x7F (an OEM code page) are kept as
  /// the Latin-1 character of the same value so distinct names stay distinct.
  static func decode(_ bytes: ArraySlice<UInt8>) -> String {
    var scalars = String.UnicodeScalarView()
    for byte in bytes { scalars.append(Unicode.Scalar(byte)) }
    return String(scalars).trimmingTrailingSpaces()
  }

  /// The 11-byte field for `name` when `name` is already a valid upper-case 8.3 name, which
  /// needs no long-name entries; nil otherwise.
  static func exact(_ name: String) -> [UInt8]? {
    let bytes = Array(name.utf8)
    guard !bytes.isEmpty, bytes.first != 0x2E else { return nil }
    let parts = bytes.split(separator: 0x2E, omittingEmptySubsequences: false)
    guard parts.count <= 2, let base = parts.first, (1...8).contains(base.count) else { return nil }
    let ext = parts.count == 2 ? parts[1] : []
    guard parts.count == 1 || (1...3).contains(ext.count) else { return nil }
    for byte in base + ext {
      guard isUpperShortCharacter(byte) else { return nil }
    }
    return padded(Array(base), to: 8) + padded(Array(ext), to: 3)
  }

  private static func isUpperShortCharacter(_ byte: UInt8) -> Bool {
    (0x41...0x5A).contains(byte) || (0x30...0x39).contains(byte) || punctuation.contains(byte)
  }

  private static func padded(_ bytes: [UInt8], to length: Int) -> [UInt8] {
    Array(bytes.prefix(length)) + [UInt8](repeating: 0x20, count: max(0, length - bytes.count))
  }

  /// Converts a long-name part into short-name characters; `lossy` is set when a character
  /// had to be replaced or dropped (then only a `~N` name is unambiguous).
  private static func convert(_ text: Substring, lossy: inout Bool) -> [UInt8] {
    var result: [UInt8] = []
    for scalar in text.unicodeScalars {
      if scalar == " " || scalar == "." {
        lossy = true
        continue
      }
      guard scalar.isASCII else {
        result.append(0x5F)
        lossy = true
        continue
      }
      var byte = UInt8(scalar.value)
      if (0x61...0x7A).contains(byte) { byte -= 0x20 }
      if isUpperShortCharacter(byte) {
        result.append(byte)
      } else {
        // Includes + , ; = [ ] and anything else a short name cannot hold.
        result.append(0x5F)
        lossy = true
      }
    }
    return result
  }

  /// A short name for `longName` that is not in `existing` (11-byte fields).
  static func generate(for longName: String, existing: Set<[UInt8]>) -> [UInt8] {
    // Leading dots and spaces are dropped; the extension is after the last dot.
    var text = Substring(longName)
    var lossy = false
    while let first = text.first, first == "." || first == " " {
      text.removeFirst()
      lossy = true
    }
    var basePart = text
    var extensionPart: Substring = ""
    if let dot = text.lastIndex(of: ".") {
      basePart = text[..<dot]
      extensionPart = text[text.index(after: dot)...]
    }
    var base = convert(basePart, lossy: &lossy)
    var ext = convert(extensionPart, lossy: &lossy)
    if base.isEmpty {
      base = [0x5F]
      lossy = true
    }
    if ext.count > 3 {
      ext = Array(ext.prefix(3))
      lossy = true
    }
    let fits = base.count <= 8
    if !lossy && fits {
      let candidate = padded(base, to: 8) + padded(ext, to: 3)
      if !existing.contains(candidate) { return candidate }
    }
    // ~1 ... ~999999; a directory holds at most 65536 entries, so one of them is free.
    for number in 1...999_999 {
      let tail = Array("~\(number)".utf8)
      let candidate = padded(Array(base.prefix(8 - tail.count)) + tail, to: 8) + padded(ext, to: 3)
      if !existing.contains(candidate) { return candidate }
    }
    return padded(base, to: 8) + padded(ext, to: 3)
  }
}
