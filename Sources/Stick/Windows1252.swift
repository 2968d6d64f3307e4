/// Windows-1252, what Windows Notepad saved as "ANSI" on Western European and American systems
/// before it turned to UTF-8. Its bytes 0xA0-0xFF are Latin-1's characters; 0x80-0x9F hold
/// typographic quotes, dashes, the euro sign and a few letters; five of those bytes mean nothing.
enum Windows1252 {
  /// The characters of bytes 0x80-0x9F; nil where the code page leaves a byte undefined.
  private static let bytes80To9F: [Unicode.Scalar?] = [
    "\u{20AC}", nil, "\u{201A}", "\u{0192}", "\u{201E}", "\u{2026}", "\u{2020}", "\u{2021}",
    "\u{02C6}", "\u{2030}", "\u{0160}", "\u{2039}", "\u{0152}", nil, "\u{017D}", nil,
    nil, "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}", "\u{2022}", "\u{2013}", "\u{2014}",
    "\u{02DC}", "\u{2122}", "\u{0161}", "\u{203A}", "\u{0153}", nil, "\u{017E}", "\u{0178}",
  ]

  /// Text in Western languages has its accented letters alone or in pairs between plain ones
  /// ("café", "Größe", "ações"). Text in another legacy code page read as this one has them in
  /// long runs (Cyrillic, Greek, and Chinese or Japanese, two bytes a character): such bytes are
  /// refused rather than turned into a jumble the model would answer in kind. A few longer runs
  /// (a "…»" in a quotation) are allowed: up to this share of the bytes above ASCII.
  static let longRunShare = 1.0 / 8

  /// `bytes` as Windows-1252 text, or nil when a byte is undefined in it or the text does not
  /// read as a Western language (see `longRunShare`).
  static func decode(_ bytes: ArraySlice<UInt8>) -> String? {
    var scalars = String.UnicodeScalarView()
    var upper = 0
    var inLongRuns = 0
    var run = 0
    for byte in bytes {
      if byte < 0x80 {
        if run > 2 { inLongRuns += run }
        run = 0
        scalars.append(Unicode.Scalar(byte))
        continue
      }
      upper += 1
      run += 1
      if byte >= 0xA0 {
        scalars.append(Unicode.Scalar(byte))
      } else if let scalar = bytes80To9F[Int(byte - 0x80)] {
        scalars.append(scalar)
      } else {
        return nil
      }
    }
    if run > 2 { inLongRuns += run }
    guard Double(inLongRuns) <= longRunShare * Double(upper) else { return nil }
    return String(scalars)
  }

  /// `text` as this code page keeps it: each character it lacks becomes "?".
  static func representable(_ text: String) -> String {
    var scalars = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      let byte = byte(for: scalar)
      scalars.append(byte == UInt8(ascii: "?") ? "?" : scalar)
    }
    return String(scalars)
  }

  /// The byte of `scalar`, or "?" for a character the code page does not have.
  static func byte(for scalar: Unicode.Scalar) -> UInt8 {
    let value = scalar.value
    if value < 0x80 || (0xA0...0xFF).contains(value) { return UInt8(value) }
    if let index = bytes80To9F.firstIndex(of: scalar) { return 0x80 + UInt8(index) }
    return UInt8(ascii: "?")
  }
}
