/// BPE merges keyed by the pair of token ids. An open-addressing table with
/// a multiplicative hash: the merge loop looks pairs up constantly, and the
/// standard dictionary's seeded hashing costs more than the search itself.
struct MergeTable: Sendable {
  struct Merge: Sendable {
    let rank: Int32
    let result: Int32
  }

  private var keys: [UInt64]
  private var values: [Merge]
  private let mask: Int
  /// No pair of valid ids has this key.
  private static let empty = UInt64.max

  init(capacity: Int) {
    var size = 16
    while size < capacity * 2 { size <<= 1 }
    keys = [UInt64](repeating: Self.empty, count: size)
    values = [Merge](repeating: Merge(rank: 0, result: 0), count: size)
    mask = size - 1
  }

  private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
    UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
  }

  private func slot(of key: UInt64) -> Int {
    Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
  }

  /// Adds a merge unless the pair already has one (the earlier rank wins).
  mutating func insert(_ left: Int32, _ right: Int32, _ merge: Merge) {
    let key = Self.key(left, right)
    var index = slot(of: key)
    while keys[index] != Self.empty {
      if keys[index] == key { return }
      index = (index + 1) & mask
    }
    keys[index] = key
    values[index] = merge
  }

  func merge(_ left: Int32, _ right: Int32) -> Merge? {
    let key = Self.key(left, right)
    var index = slot(of: key)
    while keys[index] != Self.empty {
      if keys[index] == key { return values[index] }
      index = (index + 1) & mask
    }
    return nil
  }
}
