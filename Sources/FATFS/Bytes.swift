// Little-endian field access on byte arrays. Callers check bounds first; these functions check
// again and return 0 rather than trap, because everything here comes from an untrusted image.

extension Array where Element == UInt8 {
  func uint8(at offset: Int) -> UInt8 {
    guard offset >= 0, offset < count else { return 0 }
    return self[offset]
  }

  func uint16(at offset: Int) -> UInt16 {
    guard offset >= 0, offset + 2 <= count else { return 0 }
    return UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
  }

  func uint32(at offset: Int) -> UInt32 {
    guard offset >= 0, offset + 4 <= count else { return 0 }
    return UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16
      | UInt32(self[offset + 3]) << 24
  }

  mutating func setUInt16(_ value: UInt16, at offset: Int) {
    guard offset >= 0, offset + 2 <= count else { return }
    self[offset] = UInt8(truncatingIfNeeded: value)
    self[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
  }

  mutating func setUInt32(_ value: UInt32, at offset: Int) {
    guard offset >= 0, offset + 4 <= count else { return }
    for index in 0..<4 { self[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
  }
}

/// FNV-1a, 64 bit: a cheap, stable hash for change tokens (not for security).
struct FNV1a {
  private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

  mutating func add(_ bytes: some Sequence<UInt8>) {
    for byte in bytes {
      value ^= UInt64(byte)
      value = value &* 0x0000_0100_0000_01b3
    }
  }

  mutating func add(_ number: UInt64) {
    for shift in stride(from: 0, to: 64, by: 8) {
      value ^= (number >> UInt64(shift)) & 0xff
      value = value &* 0x0000_0100_0000_01b3
    }
  }
}
