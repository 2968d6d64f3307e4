/// The bytes each token stands for, computed once and kept in one buffer so
/// decoding a token is a slice, not a string conversion.
struct TokenPieces: Sendable {
  private let storage: [UInt8]
  private let starts: [Int32]
  /// Control and unknown tokens: their text is shown only when asked for.
  private let hiddenUnlessSpecial: [Bool]

  init(vocabulary: Vocabulary, byteLevel: Bool) {
    var storage: [UInt8] = []
    storage.reserveCapacity(vocabulary.count * 8)
    var starts: [Int32] = []
    starts.reserveCapacity(vocabulary.count + 1)
    var hidden: [Bool] = []
    hidden.reserveCapacity(vocabulary.count)
    for (text, kind) in zip(vocabulary.texts, vocabulary.kinds) {
      starts.append(Int32(storage.count))
      hidden.append(kind == .control || kind == .unknown)
      switch kind {
      case .control, .unknown, .userDefined:
        storage.append(contentsOf: text.utf8)
      case .normal:
        if byteLevel {
          ByteLevelMapping.decode(text, into: &storage)
        } else {
          Self.appendUnescapingSpaces(text, to: &storage)
        }
      case .byte:
        if byteLevel {
          break
        } else if let byte = Self.byteValue(of: text) {
          storage.append(byte)
        } else {
          storage.append(contentsOf: text.utf8)
        }
      case .unused, .undefined:
        break
      }
    }
    starts.append(Int32(storage.count))
    self.storage = storage
    self.starts = starts
    self.hiddenUnlessSpecial = hidden
  }

  /// "▁" (U+2581) is how SentencePiece writes a space.
  private static func appendUnescapingSpaces(_ text: String, to storage: inout [UInt8]) {
    let utf8 = Array(text.utf8)
    var index = 0
    while index < utf8.count {
      if index + 2 < utf8.count, utf8[index] == 0xE2, utf8[index + 1] == 0x96,
        utf8[index + 2] == 0x81
      {
        storage.append(0x20)
        index += 3
      } else {
        storage.append(utf8[index])
        index += 1
      }
    }
  }

  /// The byte of a `<0xNN>` token.
  private static func byteValue(of text: String) -> UInt8? {
    let utf8 = Array(text.utf8)
    guard utf8.count == 6, utf8[0] == UInt8(ascii: "<"), utf8[1] == UInt8(ascii: "0"),
      utf8[2] == UInt8(ascii: "x"), utf8[5] == UInt8(ascii: ">")
    else { return nil }
    return UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16)
  }

  func bytes(of token: Int32, renderSpecial: Bool) -> ArraySlice<UInt8> {
    let index = Int(token)
    guard index >= 0, index + 1 < starts.count else { return [] }
    if hiddenUnlessSpecial[index], !renderSpecial { return [] }
    return storage[Int(starts[index])..<Int(starts[index + 1])]
  }
}
