import Foundation

/// Everything a mutation will write, gathered before the first byte goes to the device so
/// that a write that cannot complete fails without changing anything.
struct WritePlan {
  var data: [(offset: Int64, bytes: [UInt8])] = []
  var slots: [(offset: Int64, bytes: [UInt8])] = []
  var lastAllocated: UInt32?
  /// Set when the FAT copies differed before the write: then every copy gets the whole table.
  var rewriteAllCopies = false
}

extension Session {
  /// Takes `count` free clusters (contiguous if possible, right after `after` if possible) and
  /// links them into a chain in the in-memory table, after `after` when given.
  func allocate(count: Int, after: UInt32?, plan: inout WritePlan) throws(FATError) -> [UInt32] {
    guard count > 0 else { return [] }
    guard let fresh = table.chooseFreeClusters(count: count, after: after) else {
      throw .volumeFull(neededClusters: count, freeClusters: table.freeClusterCount())
    }
    if let after { table.set(.next(fresh[0]), for: after) }
    for index in fresh.indices {
      table.set(index + 1 < fresh.count ? .next(fresh[index + 1]) : .end, for: fresh[index])
    }
    plan.lastAllocated = fresh.last
    return fresh
  }

  /// Planned writes that put `bytes` at `fileOffset` of a file stored in `chain`.
  func planData(_ bytes: [UInt8], at fileOffset: Int, chain: [UInt32], plan: inout WritePlan) {
    let clusterSize = boot.bytesPerCluster
    var written = 0
    while written < bytes.count {
      let position = fileOffset + written
      var index = position / clusterSize
      let within = position % clusterSize
      guard index < chain.count else { return }
      let start = index
      while index + 1 < chain.count, chain[index + 1] == chain[index] + 1 { index += 1 }
      let room = (index - start + 1) * clusterSize - within
      let take = min(room, bytes.count - written)
      plan.data.append(
        (
          boot.offset(ofCluster: chain[start]) + Int64(within),
          Array(bytes[written..<written + take])
        ))
      written += take
    }
  }

  /// Resizes a file to `keep + data.count` bytes, keeping its first `keep` bytes and writing
  /// `data` after them; stamps it modified at `now`.
  func planResize(
    parent: Directory, item: Directory.Item, path: String, keep: Int, data: [UInt8], now: Date,
    timeZone: TimeZone, plan: inout WritePlan
  ) throws(FATError) {
    guard !item.isDirectory else { throw .isADirectory(path: path) }
    let oldChain = try fileChain(item, path: path)
    let newSize = keep + data.count
    guard newSize <= Int(UInt32.max) else { throw .tooLarge(path: path, size: newSize) }
    let needed = clustersNeeded(for: newSize)
    var chain = oldChain
    if needed > chain.count {
      chain += try allocate(count: needed - chain.count, after: chain.last, plan: &plan)
    } else if needed < chain.count {
      for cluster in chain[needed...] { table.set(.free, for: cluster) }
      if needed > 0 { table.set(.end, for: chain[needed - 1]) }
      chain.removeLast(chain.count - needed)
    }
    planData(data, at: keep, chain: chain, plan: &plan)
    var entry = item.entry
    entry.fileSize = UInt32(newSize)
    entry.firstCluster = chain.first ?? 0
    entry.attributes.insert(.archive)
    entry.stampModified(now, in: timeZone)
    plan.slots.append((parent.offset(ofSlot: item.shortSlot), entry.encoded))
  }

  /// Adds a new file (with `data`) or an empty folder named `name` to `parent`.
  func planCreate(
    in parent: Directory, name: String, data: [UInt8], isDirectory: Bool, now: Date,
    timeZone: TimeZone, plan: inout WritePlan
  ) throws(FATError) {
    var parent = parent
    let path = (parent.path == "/" ? "" : parent.path) + "/" + name
    try LongName.validate(name)
    let (items, _) = try parent.parse()
    if let existing = Session.find(name, in: items) {
      throw .alreadyExists(path: (parent.path == "/" ? "" : parent.path) + "/" + existing.name)
    }
    guard data.count <= Int(UInt32.max) else { throw .tooLarge(path: path, size: data.count) }
    let inUse = parent.shortNamesInUse()
    var shortName = ShortName.exact(name)
    if let candidate = shortName, inUse.contains(candidate) { shortName = nil }
    let needsLongName = shortName == nil
    let short = shortName ?? ShortName.generate(for: name, existing: inUse)

    // Room in the directory.
    let slotCount = (needsLongName ? (name.utf16.count + 12) / 13 : 0) + 1
    let start = parent.freeRun(count: slotCount)
    let missingSlots = start + slotCount - parent.slotCount
    var directoryClusters = 0
    if missingSlots > 0 {
      guard !parent.isFixedRoot else { throw .rootDirectoryFull(entries: boot.rootEntryCount) }
      let perCluster = boot.bytesPerCluster / DirectoryEntry.size
      directoryClusters = (missingSlots + perCluster - 1) / perCluster
      guard parent.slotCount + directoryClusters * perCluster <= Directory.maximumEntries else {
        throw .tooLarge(path: parent.path, size: (parent.slotCount + missingSlots) * 32)
      }
    }
    let dataClusters = isDirectory ? 1 : clustersNeeded(for: data.count)
    let free = table.freeClusterCount()
    guard directoryClusters + dataClusters <= free else {
      throw .volumeFull(neededClusters: directoryClusters + dataClusters, freeClusters: free)
    }
    if directoryClusters > 0 {
      let fresh = try allocate(count: directoryClusters, after: parent.clusters.last, plan: &plan)
      for cluster in fresh {
        plan.data.append(
          (boot.offset(ofCluster: cluster), [UInt8](repeating: 0, count: boot.bytesPerCluster)))
      }
      parent.clusters += fresh
      parent.bytes += [UInt8](repeating: 0, count: fresh.count * boot.bytesPerCluster)
    }
    let chain = try allocate(count: dataClusters, after: nil, plan: &plan)

    var entry = DirectoryEntry(
      name: short, attributes: isDirectory ? .directory : .archive,
      firstCluster: chain.first ?? 0, fileSize: isDirectory ? 0 : UInt32(data.count))
    entry.stampCreated(now, in: timeZone)
    if isDirectory, let cluster = chain.first {
      var contents = [UInt8](repeating: 0, count: boot.bytesPerCluster)
      var dot = entry
      dot.name = Array(".          ".utf8)
      // ".." holds 0 when the parent is the root, even on FAT32.
      var dotDot = entry
      dotDot.name = Array("..         ".utf8)
      dotDot.firstCluster = parent.path == "/" ? 0 : parent.firstCluster
      contents.replaceSubrange(0..<32, with: dot.encoded)
      contents.replaceSubrange(32..<64, with: dotDot.encoded)
      plan.data.append((boot.offset(ofCluster: cluster), contents))
    } else {
      planData(data, at: 0, chain: chain, plan: &plan)
    }
    let entries =
      (needsLongName ? LongName.entries(for: name, shortName: short) : []) + [entry.encoded]
    for (index, bytes) in entries.enumerated() {
      plan.slots.append((parent.offset(ofSlot: start + index), bytes))
    }
  }

  /// Removes a file or an empty folder.
  func planRemove(
    parent: Directory, item: Directory.Item, path: String, plan: inout WritePlan
  ) throws(FATError) {
    let chain: [UInt32]
    if item.isDirectory {
      let directory = try self.directory(at: item.entry.firstCluster, path: path)
      guard try directory.parse().items.isEmpty else { throw .directoryNotEmpty(path: path) }
      chain = directory.clusters
    } else {
      chain = try fileChain(item, path: path)
    }
    for cluster in chain { table.set(.free, for: cluster) }
    for slot in item.firstSlot...item.shortSlot {
      let base = slot * DirectoryEntry.size
      var bytes = Array(parent.bytes[base..<base + DirectoryEntry.size])
      bytes[0] = DirectoryEntry.deletedMarker
      plan.slots.append((parent.offset(ofSlot: slot), bytes))
    }
  }

  /// Whether the FAT copies differ from the first one (then a write stores all of them).
  func fatCopiesDiffer() throws(FATError) -> Bool {
    for copy in 1..<max(boot.fatCount, 1) {
      let offset = boot.fatOffset + Int64(copy * boot.fatSize)
      if try read(count: table.bytes.count, at: offset) != table.bytes { return true }
    }
    return false
  }

  /// Writes the plan: data first, then every FAT copy, then FSINFO, then the directory
  /// entries, so an interruption leaves at worst unreferenced clusters behind.
  func commit(_ plan: WritePlan) throws(FATError) {
    for write in plan.data { try self.write(write.bytes, at: write.offset) }
    for copy in 0..<boot.fatCount {
      let copyOffset = boot.fatOffset + Int64(copy * boot.fatSize)
      if plan.rewriteAllCopies && copy > 0 {
        try write(table.bytes, at: copyOffset)
        continue
      }
      for range in table.changedRanges() {
        try write(Array(range.bytes), at: copyOffset + Int64(range.offset))
      }
    }
    try updateFSInfo(lastAllocated: plan.lastAllocated)
    for write in plan.slots { try self.write(write.bytes, at: write.offset) }
    table.forgetChanges()
  }

  /// Stores the exact free count and the next-free hint in the FAT32 FSINFO sector, when the
  /// sector is there and carries its signatures.
  func updateFSInfo(lastAllocated: UInt32?) throws(FATError) {
    guard boot.fatType == .fat32, boot.fsInfoSector > 0 else { return }
    let offset = Int64(boot.fsInfoSector * boot.bytesPerSector)
    var sector = try read(count: 512, at: offset)
    guard sector.uint32(at: 0) == 0x4161_5252, sector.uint32(at: 484) == 0x6141_7272 else {
      return
    }
    sector.setUInt32(UInt32(table.freeClusterCount()), at: 488)
    if let lastAllocated {
      sector.setUInt32(lastAllocated, at: 492)
    } else {
      let hint = sector.uint32(at: 492)
      if hint != 0xFFFF_FFFF && (hint < 2 || hint > boot.maximumCluster) {
        sector.setUInt32(0xFFFF_FFFF, at: 492)
      }
    }
    try write(sector, at: offset)
  }
}
