/// The reversible byte-to-character mapping of byte-level BPE (GPT-2): every
/// byte becomes a printable Unicode scalar, so a vocabulary of strings can
/// hold any byte sequence. Printable Latin-1 bytes map to themselves; the
/// rest (controls, space, soft hyphen...) map to U+0100 and up, in byte order.
enum ByteLevelMapping {
  /// The scalar standing for each byte.
  static let scalarForByte: [Unicode.Scalar] = {
    var table = [Unicode.Scalar](repeating: "\u{0}", count: 256)
    var next: UInt32 = 256
    for byte in 0..<256 {
      if isPrintable(byte) {
        table[byte] = Unicode.Scalar(UInt8(byte))
      } else {
        table[byte] = Unicode.Scalar(next) ?? "\u{FFFD}"
        next += 1
      }
    }
    return table
  }()

  /// The byte for each scalar value below `byteForScalar.count`, or -1.
  static let byteForScalar: [Int16] = {
    var table = [Int16](repeating: -1, count: 324)
    for (byte, scalar) in scalarForByte.enumerated() where Int(scalar.value) < table.count {
      table[Int(scalar.value)] = Int16(byte)
    }
    return table
  }()

  private static func isPrintable(_ byte: Int) -> Bool {
    (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
  }

  /// The mapped string of raw bytes.
  static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    var result = String.UnicodeScalarView()
    for byte in bytes { result.append(scalarForByte[Int(byte)]) }
    return String(result)
  }

  /// The raw bytes of a mapped string. A scalar outside the mapping (a
  /// vocabulary entry not made by byte-level BPE) keeps its own UTF-8 bytes.
  static func decode(_ text: String, into bytes: inout [UInt8]) {
    for scalar in text.unicodeScalars {
      let value = Int(scalar.value)
      if value < byteForScalar.count, byteForScalar[value] >= 0 {
        bytes.append(UInt8(byteForScalar[value]))
      } else {
        bytes.append(contentsOf: String(scalar).utf8)
      }
    }
  }
}
