/// Token texts to ids, compared as raw UTF-8 bytes. String keys would hash
/// and compare with Unicode normalization, which is slow for the many
/// non-ASCII entries of a byte-level vocabulary and merges texts that the
/// model treats as different ("é" precomposed or not).
struct TokenTable: Sendable {
  private var storage: [UInt8] = []
  private var starts: [Int32] = [0]
  /// Open addressing with linear probing: entry index + 1, 0 when empty.
  private var slots: [Int32]
  private var ids: [Int32] = []
  private let mask: Int

  init(capacity: Int) {
    var size = 16
    while size < capacity * 2 { size <<= 1 }
    slots = [Int32](repeating: 0, count: size)
    mask = size - 1
    storage.reserveCapacity(capacity * 8)
    starts.reserveCapacity(capacity + 1)
    ids.reserveCapacity(capacity)
  }

  /// FNV-1a: quick and well spread for short keys.
  private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
    var value: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }
    return Int(truncatingIfNeeded: value ^ (value >> 29))
  }

  private func keyEquals(
    _ entry: Int, _ bytes: UnsafeBufferPointer<UInt8>, in stored: UnsafeBufferPointer<UInt8>
  ) -> Bool {
    let start = Int(starts[entry])
    let end = Int(starts[entry + 1])
    guard end - start == bytes.count else { return false }
    for index in 0..<bytes.count where stored[start + index] != bytes[index] { return false }
    return true
  }

  /// Sets the id of `bytes`; a later duplicate replaces an earlier one.
  mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, id: Int32) {
    var slot = Self.hash(bytes) & mask
    while slots[slot] != 0 {
      let entry = Int(slots[slot]) - 1
      if storage.withUnsafeBufferPointer({ keyEquals(entry, bytes, in: $0) }) {
        ids[entry] = id
        return
      }
      slot = (slot + 1) & mask
    }
    storage.append(contentsOf: bytes)
    starts.append(Int32(storage.count))
    ids.append(id)
    slots[slot] = Int32(ids.count)
  }

  mutating func insert(_ text: String, id: Int32) {
    var text = text
    text.withUTF8 { insert($0, id: id) }
  }

  func token(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
    storage.withUnsafeBufferPointer { stored in
      var slot = Self.hash(bytes) & mask
      while slots[slot] != 0 {
        let entry = Int(slots[slot]) - 1
        if keyEquals(entry, bytes, in: stored) { return ids[entry] }
        slot = (slot + 1) & mask
      }
      return nil
    }
  }

  func token(_ bytes: ArraySlice<UInt8>) -> Int32? {
    bytes.withUnsafeBufferPointer { token($0) }
  }

  func token(_ bytes: [UInt8]) -> Int32? {
    bytes.withUnsafeBufferPointer { token($0) }
  }

  subscript(text: String) -> Int32? {
    var text = text
    return text.withUTF8 { token($0) }
  }
}
