/// One directory's raw entries, read whole, and where each 32-byte slot lives on the device.
struct Directory {
  /// A file or folder found in a directory.
  struct Item {
    /// The long name, or the short name when there is none.
    var name: String
    var entry: DirectoryEntry
    /// The first slot of the item (its first long-name entry, or the short entry).
    var firstSlot: Int
    var shortSlot: Int
    var isDirectory: Bool { entry.isDirectory }
  }

  /// The largest directory FAT allows: 65536 entries.
  static let maximumEntries = 65536

  /// The path shown in errors, "/" for the root.
  let path: String
  /// 0 for the fixed root folder of FAT12/16.
  let firstCluster: UInt32
  /// The clusters holding the directory; empty for the fixed root.
  var clusters: [UInt32]
  var bytes: [UInt8]
  let boot: BootSector

  var slotCount: Int { bytes.count / DirectoryEntry.size }
  var isFixedRoot: Bool { firstCluster == 0 }

  /// The volume offset of slot `index`.
  func offset(ofSlot index: Int) -> Int64 {
    let byte = index * DirectoryEntry.size
    if isFixedRoot { return boot.rootDirectoryOffset + Int64(byte) }
    let perCluster = boot.bytesPerCluster
    return boot.offset(ofCluster: clusters[byte / perCluster]) + Int64(byte % perCluster)
  }

  /// The live items (no deleted entries, no "." or "..", no volume label), and the volume label
  /// entry's text if there is one. Throws on entries no host writes.
  func parse() throws(FATError) -> (items: [Item], label: String?) {
    var items: [Item] = []
    var label: String?
    var pendingUnits: [UInt16] = []
    var pendingStart = 0
    var pendingChecksum: UInt8 = 0
    var expectedSequence = 0
    var slot = 0
    func damage(_ reason: String) -> FATError {
      .damagedDirectory(path: path, reason: reason)
    }
    while slot < slotCount {
      let base = slot * DirectoryEntry.size
      let first = bytes[base]
      if first == 0x00 { break }
      let attributes = bytes[base + 11]
      if first == DirectoryEntry.deletedMarker {
        guard expectedSequence == 0 else {
          throw damage("a long name is followed by a deleted entry (entry \(slot))")
        }
        slot += 1
        continue
      }
      if attributes & 0x3F == FileAttributes.longName.rawValue {
        let sequence = Int(first & 0x1F)
        if first & LongName.lastEntryFlag != 0 {
          guard expectedSequence == 0 else {
            throw damage("a long name is interrupted by another one (entry \(slot))")
          }
          guard (1...20).contains(sequence) else {
            throw damage("a long-name entry has sequence number \(sequence) (entry \(slot))")
          }
          pendingUnits = []
          pendingStart = slot
          pendingChecksum = bytes[base + 13]
        } else {
          guard expectedSequence > 0, sequence == expectedSequence,
            bytes[base + 13] == pendingChecksum
          else { throw damage("a long name's entries are out of order (entry \(slot))") }
        }
        pendingUnits = LongName.units(of: bytes, at: base) + pendingUnits
        expectedSequence = sequence - 1
        if expectedSequence == 0 { expectedSequence = -1 }  // complete: a short entry must follow
        slot += 1
        continue
      }
      let entry = DirectoryEntry(bytes: bytes, at: base)
      if entry.attributes.contains(.volumeLabel) && !entry.isDirectory {
        guard expectedSequence == 0 else {
          throw damage("a long name is followed by the volume label (entry \(slot))")
        }
        if isFixedRoot || path == "/" { label = entry.displayName }
        slot += 1
        continue
      }
      if entry.name == Array(".          ".utf8) || entry.name == Array("..         ".utf8) {
        guard expectedSequence == 0 else {
          throw damage("a long name is followed by a dot entry (entry \(slot))")
        }
        slot += 1
        continue
      }
      guard entry.firstCluster == 0 || (2...boot.maximumCluster).contains(entry.firstCluster)
      else {
        throw damage(
          "\"\(entry.displayName)\" points to cluster \(entry.firstCluster), past the end of the volume"
        )
      }
      var name = entry.displayName
      var firstSlot = slot
      if expectedSequence != 0 {
        guard expectedSequence == -1 else {
          throw damage("a long name is incomplete before \"\(name)\" (entry \(slot))")
        }
        guard LongName.checksum(entry.name) == pendingChecksum else {
          throw damage("the long name before \"\(name)\" has the wrong checksum (entry \(slot))")
        }
        name = String(decoding: pendingUnits, as: UTF16.self)
        firstSlot = pendingStart
      }
      guard !name.isEmpty else { throw damage("an entry has an empty name (entry \(slot))") }
      items.append(Item(name: name, entry: entry, firstSlot: firstSlot, shortSlot: slot))
      expectedSequence = 0
      slot += 1
    }
    guard expectedSequence == 0 else { throw damage("a long name has no short entry") }
    return (items, label)
  }

  /// The first run of `count` free slots, which may reach past the end of `bytes` (then the
  /// directory must grow). Slots after the end-of-directory marker are all free.
  func freeRun(count: Int) -> Int {
    var runStart = 0
    var runLength = 0
    var slot = 0
    while slot < slotCount {
      let first = bytes[slot * DirectoryEntry.size]
      if first == 0x00 {
        return runLength > 0 ? runStart : slot
      }
      if first == DirectoryEntry.deletedMarker {
        if runLength == 0 { runStart = slot }
        runLength += 1
        if runLength == count { return runStart }
      } else {
        runLength = 0
      }
      slot += 1
    }
    return runLength > 0 ? runStart : slotCount
  }
}

extension Directory {
  /// Every short name in use, deleted entries aside, including the label and dot entries:
  /// a new short name must differ from all of them.
  func shortNamesInUse() -> Set<[UInt8]> {
    var names: Set<[UInt8]> = []
    var slot = 0
    while slot < slotCount {
      let base = slot * DirectoryEntry.size
      let first = bytes[base]
      if first == 0x00 { break }
      if first != DirectoryEntry.deletedMarker
        && bytes[base + 11] & 0x3F != FileAttributes.longName.rawValue
      {
        names.insert(Array(bytes[base..<base + 11]))
      }
      slot += 1
    }
    return names
  }
}
