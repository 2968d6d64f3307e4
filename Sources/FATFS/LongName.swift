/// VFAT long names: UTF-16 text spread over 32-byte entries placed before the short entry,
/// each carrying a checksum of the short name.
enum LongName {
  static let maximumLength = 255
  /// Code units each long-name entry holds, and where they sit in the entry.
  static let unitOffsets = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30]
  static let lastEntryFlag: UInt8 = 0x40

  static func checksum(_ shortName: [UInt8]) -> UInt8 {
    var sum: UInt8 = 0
    for byte in shortName.prefix(11) {
      sum = ((sum & 1) << 7) &+ (sum >> 1) &+ byte
    }
    return sum
  }

  /// Throws when `name` cannot be a FAT long name.
  static func validate(_ name: String) throws(FATError) {
    guard !name.isEmpty else { throw .invalidName(name: name, reason: "the name is empty") }
    guard name != ".", name != ".." else {
      throw .invalidName(name: name, reason: "\".\" and \"..\" are reserved")
    }
    let units = Array(name.utf16)
    guard units.count <= maximumLength else {
      throw .invalidName(name: name, reason: "it is longer than 255 characters")
    }
    for scalar in name.unicodeScalars {
      if scalar.value < 0x20 || "\"*/:<>?\\|".unicodeScalars.contains(scalar)
        || scalar.value == 0x7F
      {
        throw .invalidName(name: name, reason: "it contains \"\(scalar.escaped(asASCII: true))\"")
      }
    }
    guard name.last != " ", name.last != "." else {
      throw .invalidName(name: name, reason: "it ends with a space or a dot")
    }
  }

  /// The entries for `name`, in the order they are stored (the last part first).
  static func entries(for name: String, shortName: [UInt8]) -> [[UInt8]] {
    let units = Array(name.utf16)
    let count = (units.count + 12) / 13
    let sum = checksum(shortName)
    var result: [[UInt8]] = []
    for sequence in stride(from: count, through: 1, by: -1) {
      var entry = [UInt8](repeating: 0, count: 32)
      entry[0] = UInt8(sequence) | (sequence == count ? lastEntryFlag : 0)
      entry[11] = FileAttributes.longName.rawValue
      entry[13] = sum
      for (slot, offset) in unitOffsets.enumerated() {
        let index = (sequence - 1) * 13 + slot
        let unit: UInt16
        if index < units.count {
          unit = units[index]
        } else if index == units.count {
          unit = 0
        } else {
          unit = 0xFFFF
        }
        entry.setUInt16(unit, at: offset)
      }
      result.append(entry)
    }
    return result
  }

  /// The code units of one stored entry, up to its terminator.
  static func units(of bytes: [UInt8], at offset: Int) -> [UInt16] {
    var result: [UInt16] = []
    for position in unitOffsets {
      let unit = bytes.uint16(at: offset + position)
      if unit == 0 { break }
      result.append(unit)
    }
    return result
  }
}
