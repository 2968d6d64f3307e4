/// One copy of the file allocation table, held in memory for the length of one operation,
/// with the entries a write changed remembered so only their sectors are written back.
struct FileAllocationTable {
  enum Entry: Equatable {
    case free
    case next(UInt32)
    case end
    case bad
    /// A value that points outside the volume or is reserved.
    case invalid(UInt32)
  }

  let boot: BootSector
  private(set) var bytes: [UInt8]
  private(set) var changedSectors: Set<Int> = []

  init(boot: BootSector, bytes: [UInt8]) {
    self.boot = boot
    self.bytes = bytes
  }

  var endMarker: UInt32 {
    switch boot.fatType {
    case .fat12: return 0xFFF
    case .fat16: return 0xFFFF
    case .fat32: return 0x0FFF_FFFF
    }
  }

  private var badMarker: UInt32 { endMarker - 8 }

  /// The raw value of `cluster`'s entry (the upper 4 bits of FAT32 entries are dropped).
  func rawValue(_ cluster: UInt32) -> UInt32 {
    let index = Int(cluster)
    switch boot.fatType {
    case .fat12:
      let pair = UInt32(bytes.uint16(at: index + index / 2))
      return index & 1 == 0 ? pair & 0xFFF : pair >> 4
    case .fat16:
      return UInt32(bytes.uint16(at: index * 2))
    case .fat32:
      return bytes.uint32(at: index * 4) & 0x0FFF_FFFF
    }
  }

  func entry(_ cluster: UInt32) -> Entry {
    let value = rawValue(cluster)
    if value == 0 { return .free }
    if value >= endMarker - 7 { return .end }
    if value == badMarker { return .bad }
    if value >= 2, value <= boot.maximumCluster { return .next(value) }
    return .invalid(value)
  }

  mutating func setRawValue(_ value: UInt32, for cluster: UInt32) {
    let index = Int(cluster)
    let byteOffset: Int
    switch boot.fatType {
    case .fat12:
      byteOffset = index + index / 2
      var pair = bytes.uint16(at: byteOffset)
      if index & 1 == 0 {
        pair = (pair & 0xF000) | UInt16(value & 0xFFF)
      } else {
        pair = (pair & 0x000F) | UInt16(value & 0xFFF) << 4
      }
      bytes.setUInt16(pair, at: byteOffset)
      changedSectors.insert((byteOffset + 1) / boot.bytesPerSector)
    case .fat16:
      byteOffset = index * 2
      bytes.setUInt16(UInt16(truncatingIfNeeded: value), at: byteOffset)
    case .fat32:
      byteOffset = index * 4
      // The top 4 bits are reserved: keep whatever is there.
      let old = bytes.uint32(at: byteOffset)
      bytes.setUInt32((old & 0xF000_0000) | (value & 0x0FFF_FFFF), at: byteOffset)
    }
    changedSectors.insert(byteOffset / boot.bytesPerSector)
  }

  mutating func set(_ entry: Entry, for cluster: UInt32) {
    switch entry {
    case .free: setRawValue(0, for: cluster)
    case .next(let next): setRawValue(next, for: cluster)
    case .end: setRawValue(endMarker, for: cluster)
    case .bad: setRawValue(badMarker, for: cluster)
    case .invalid(let value): setRawValue(value, for: cluster)
    }
  }

  /// Counts free clusters; bounded by the cluster count.
  func freeClusterCount() -> Int {
    var count = 0
    var cluster: UInt32 = 2
    while cluster <= boot.maximumCluster {
      if rawValue(cluster) == 0 { count += 1 }
      cluster += 1
    }
    return count
  }

  /// Chooses `count` free clusters, preferring one contiguous run: first the clusters right
  /// after `after` (to extend a file in place), then the first run long enough anywhere, then
  /// whatever is free, lowest first. Returns nil when too few are free.
  func chooseFreeClusters(count: Int, after: UInt32?) -> [UInt32]? {
    guard count > 0 else { return [] }
    let maximum = boot.maximumCluster
    var chosen: [UInt32] = []
    if let after {
      var cluster = after + 1
      while chosen.count < count, cluster <= maximum, rawValue(cluster) == 0 {
        chosen.append(cluster)
        cluster += 1
      }
      if chosen.count == count { return chosen }
    }
    // The clusters taken above form one range; membership is a range test, not a search.
    let taken = (after.map { $0 + 1 } ?? 0)..<(after.map { $0 + 1 } ?? 0) + UInt32(chosen.count)
    let remaining = count - chosen.count
    var runStart: UInt32 = 0
    var runLength = 0
    var cluster: UInt32 = 2
    while cluster <= maximum {
      if rawValue(cluster) == 0 && !taken.contains(cluster) {
        if runLength == 0 { runStart = cluster }
        runLength += 1
        if runLength == remaining {
          return chosen + (0..<UInt32(remaining)).map { runStart + $0 }
        }
      } else {
        runLength = 0
      }
      cluster += 1
    }
    cluster = 2
    while cluster <= maximum, chosen.count < count {
      if rawValue(cluster) == 0 && !taken.contains(cluster) { chosen.append(cluster) }
      cluster += 1
    }
    return chosen.count == count ? chosen : nil
  }

  /// Byte ranges (offset in the FAT, bytes) of the sectors a write must store, coalesced.
  func changedRanges() -> [(offset: Int, bytes: ArraySlice<UInt8>)] {
    let sectorSize = boot.bytesPerSector
    var result: [(offset: Int, bytes: ArraySlice<UInt8>)] = []
    var sorted = changedSectors.filter { $0 >= 0 && ($0 + 1) * sectorSize <= bytes.count }.sorted()
    while let first = sorted.first {
      var last = first
      var index = 1
      while index < sorted.count, sorted[index] == last + 1 {
        last = sorted[index]
        index += 1
      }
      sorted.removeFirst(index)
      result.append(
        (first * sectorSize, bytes[first * sectorSize..<(last + 1) * sectorSize]))
    }
    return result
  }

  mutating func forgetChanges() { changedSectors = [] }
}
