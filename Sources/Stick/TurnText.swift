/// How a turn's text is given to the model: "\n" line breaks, no blank lines before it, no
/// whitespace after it. Indentation of its first line stays.
enum TurnText {
  static func clean(_ utf8: Slice<UnsafeBufferPointer<UInt8>>) -> String {
    var end = utf8.endIndex
    while end > utf8.startIndex, isSpace(utf8[end - 1]) { end -= 1 }
    var firstVisible = utf8.startIndex
    while firstVisible < end, isSpace(utf8[firstVisible]) { firstVisible += 1 }
    guard firstVisible < end else { return "" }
    // Back to the start of the first visible line, so its indentation is kept.
    var start = firstVisible
    while start > utf8.startIndex, utf8[start - 1] != 0x0A { start -= 1 }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(end - start)
    var index = start
    while index < end {
      let byte = utf8[index]
      if !(byte == 0x0D && index + 1 < end && utf8[index + 1] == 0x0A) { bytes.append(byte) }
      index += 1
    }
    // The bytes came from a String and were cut at ASCII bytes only, so they are valid UTF-8.
    return String(decoding: bytes, as: UTF8.self)
  }

  static func clean(_ text: String) -> String {
    let utf8 = Array(text.utf8)
    return utf8.withUnsafeBufferPointer { clean($0[...]) }
  }

  /// Whether the text has nothing to answer: only whitespace of any script.
  static func isBlank(_ text: String) -> Bool {
    text.unicodeScalars.allSatisfy { $0.properties.isWhitespace }
  }

  private static func isSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || (0x09...0x0D).contains(byte)
  }
}
