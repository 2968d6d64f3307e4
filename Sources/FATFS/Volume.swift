import Foundation
import SystemPackage

/// A FAT12, FAT16 or FAT32 volume on an image file or block device, read and written in place
/// without mounting it.
///
/// The volume keeps no cache between calls: each call reads the FAT and the directories it
/// needs from the device, so changes a host made in the meantime are always seen. Paths look
/// like `/FOLDER/Name.txt` and compare without regard to case, as on FAT.
///
/// Every call that changes the volume first validates the whole tree (no looping or
/// cross-linked chains, no entry outside the volume, sizes that match their chains) and plans
/// all of its writes; if anything is wrong or the volume is too full, it throws before writing
/// a byte. The FAT copies are kept identical and the FAT32 FSINFO sector exact. The dirty bit
/// is never changed as a side effect: read it with `isDirty()` and clear it with
/// `clearDirtyBit()` when the volume is known to be consistent.
///
/// Timestamps are local wall-clock time in `timeZone`, as Windows, macOS and Linux store them;
/// `clock` gives the current time, so tests can fix it.
public final class Volume {
  public let device: any BlockDevice
  /// Where the volume starts on the device: 0, or the start of the first FAT partition.
  public let offset: Int64
  public let bootSector: BootSector
  public var fatType: FATType { bootSector.fatType }
  /// The current time for new timestamps.
  public var clock: @Sendable () -> Date = { Date() }
  /// The zone FAT timestamps are read and written in.
  public var timeZone: TimeZone = .current
  /// Files up to this size have their contents in their change token, so even a rewrite that
  /// keeps size and timestamp shows as a change.
  public var contentHashLimit = 64 * 1024

  /// Opens the volume on `device`: a superfloppy, or the first FAT partition of an MBR.
  /// Throws when no valid FAT boot sector is found.
  public init(device: any BlockDevice) throws(FATError) {
    let location = try PartitionLocator.locate(on: device)
    self.device = device
    self.offset = location.offset
    self.bootSector = location.boot
  }

  /// Opens the image file or block device at `path`.
  public convenience init(path: FilePath, writable: Bool = true) throws(FATError) {
    try self.init(device: try FileBlockDevice(path: path, writable: writable))
  }

  func session() throws(FATError) -> Session {
    try Session(device: device, base: offset, boot: bootSector)
  }

  // MARK: Reading

  /// Checks the whole volume the way a write does; throws the first damage found.
  public func validate() throws(FATError) {
    _ = try session().walk()
  }

  /// The whole contents of the file at `path`.
  public func readFile(_ path: String) throws(FATError) -> [UInt8] {
    let session = try session()
    let (_, item, shown) = try session.lookup(path)
    guard !item.isDirectory else { throw .isADirectory(path: shown) }
    let chain = try session.fileChain(item, path: shown)
    return try session.readClusters(chain, count: Int(item.entry.fileSize))
  }

  /// The bytes of the file at `path` in `range`.
  public func readFile(_ path: String, range: Range<Int>) throws(FATError) -> [UInt8] {
    let session = try session()
    let (_, item, shown) = try session.lookup(path)
    guard !item.isDirectory else { throw .isADirectory(path: shown) }
    let size = Int(item.entry.fileSize)
    guard range.lowerBound >= 0, range.upperBound <= size else {
      throw .rangeOutOfBounds(path: shown, range: range, size: size)
    }
    let chain = try session.fileChain(item, path: shown)
    return try session.readClusters(chain, count: range.count, skip: range.lowerBound)
  }

  /// The names in the folder at `path`.
  public func listDirectory(_ path: String) throws(FATError) -> [String] {
    let session = try session()
    let directory = try session.directory(components: try Session.components(of: path))
    return try directory.parse().items.map(\.name)
  }

  /// Whether the file or folder at `path` exists.
  public func exists(_ path: String) throws(FATError) -> Bool {
    do {
      _ = try session().lookup(path)
      return true
    } catch .notFound {
      return false
    } catch .notADirectory {
      return false
    }
  }

  // MARK: Writing

  /// Creates the file at `path` holding `contents`; the folder must exist, the name must not.
  public func createFile(_ path: String, contents: [UInt8] = []) throws(FATError) {
    let (folder, name) = try Volume.split(path)
    try mutate { (session: Session, plan: inout WritePlan) throws(FATError) in
      let parent = try session.directory(components: folder)
      try session.planCreate(
        in: parent, name: name, data: contents, isDirectory: false, now: clock(),
        timeZone: timeZone, plan: &plan)
    }
  }

  /// Creates the folder at `path`; its parent must exist.
  public func makeDirectory(_ path: String) throws(FATError) {
    let (folder, name) = try Volume.split(path)
    try mutate { (session: Session, plan: inout WritePlan) throws(FATError) in
      let parent = try session.directory(components: folder)
      try session.planCreate(
        in: parent, name: name, data: [], isDirectory: true, now: clock(), timeZone: timeZone,
        plan: &plan)
    }
  }

  /// Appends `bytes` to the file at `path`, growing its chain, and updates its size and
  /// modification time.
  public func append(_ bytes: [UInt8], to path: String) throws(FATError) {
    try mutate { (session: Session, plan: inout WritePlan) throws(FATError) in
      let (parent, item, shown) = try session.lookup(path)
      try session.planResize(
        parent: parent, item: item, path: shown, keep: Int(item.entry.fileSize), data: bytes,
        now: clock(), timeZone: timeZone, plan: &plan)
    }
  }

  /// Replaces the contents of the file at `path` with `contents`.
  public func rewrite(_ path: String, contents: [UInt8]) throws(FATError) {
    try mutate { (session: Session, plan: inout WritePlan) throws(FATError) in
      let (parent, item, shown) = try session.lookup(path)
      try session.planResize(
        parent: parent, item: item, path: shown, keep: 0, data: contents, now: clock(),
        timeZone: timeZone, plan: &plan)
    }
  }

  /// Cuts the file at `path` to `size` bytes, or extends it with zeros.
  public func truncate(_ path: String, to size: Int) throws(FATError) {
    guard size >= 0, size <= Int(UInt32.max) else { throw .tooLarge(path: path, size: size) }
    try mutate { (session: Session, plan: inout WritePlan) throws(FATError) in
      let (parent, item, shown) = try session.lookup(path)
      let current = Int(item.entry.fileSize)
      try session.planResize(
        parent: parent, item: item, path: shown, keep: min(size, current),
        data: [UInt8](repeating: 0, count: max(0, size - current)), now: clock(),
        timeZone: timeZone, plan: &plan)
    }
  }

  /// Deletes the file or empty folder at `path` and frees its clusters.
  public func remove(_ path: String) throws(FATError) {
    try mutate { (session: Session, plan: inout WritePlan) throws(FATError) in
      let (parent, item, shown) = try session.lookup(path)
      try session.planRemove(parent: parent, item: item, path: shown, plan: &plan)
    }
  }

  /// Makes everything written so far durable (fsync on the device).
  public func synchronize() throws(FATError) {
    try device.synchronize()
  }

  private func mutate(
    _ body: (Session, inout WritePlan) throws(FATError) -> Void
  ) throws(FATError) {
    guard device.isWritable else { throw .readOnly }
    let session = try session()
    _ = try session.walk()
    var plan = WritePlan()
    plan.rewriteAllCopies = try session.fatCopiesDiffer()
    try body(session, &plan)
    try session.commit(plan)
  }

  static func split(_ path: String) throws(FATError) -> (folder: [String], name: String) {
    let parts = try Session.components(of: path)
    guard let name = parts.last else {
      throw .invalidName(name: path, reason: "the path names no file")
    }
    return (Array(parts.dropLast()), name)
  }

  // MARK: Dirty bit

  /// Whether the volume is marked as not cleanly unmounted: the boot sector flag hosts set
  /// while mounted, or on FAT16/FAT32 a cleared "clean shutdown" bit in FAT entry 1.
  public func isDirty() throws(FATError) -> Bool {
    let session = try session()
    let sector = try session.read(count: 512, at: 0)
    if sector[bootSector.stateFlagOffset] & 0x01 != 0 { return true }
    switch fatType {
    case .fat12: return false
    case .fat16: return session.table.rawValue(1) & 0x8000 == 0
    case .fat32: return session.table.rawValue(1) & 0x0800_0000 == 0
    }
  }

  /// Marks the volume clean: clears the boot sector flag (and the backup's, when set) and sets
  /// the clean-shutdown bit in every FAT copy.
  public func clearDirtyBit() throws(FATError) {
    try setDirty(false)
  }

  /// Sets or clears the dirty marks; hosts then offer to check the drive when it is set.
  public func setDirty(_ dirty: Bool) throws(FATError) {
    guard device.isWritable else { throw .readOnly }
    let session = try session()
    var sectors = [0]
    if fatType == .fat32, bootSector.backupBootSector > 0, !dirty {
      sectors.append(bootSector.backupBootSector)
    }
    for sectorNumber in sectors {
      let offset = Int64(sectorNumber * bootSector.bytesPerSector)
      var sector = try session.read(count: 512, at: offset)
      let old = sector[bootSector.stateFlagOffset]
      sector[bootSector.stateFlagOffset] = dirty ? old | 0x01 : old & ~0x01
      if sector[bootSector.stateFlagOffset] != old { try session.write(sector, at: offset) }
    }
    let bit: UInt32
    switch fatType {
    case .fat12: return
    case .fat16: bit = 0x8000
    case .fat32: bit = 0x0800_0000
    }
    let value = session.table.rawValue(1)
    let wanted = dirty ? value & ~bit : value | bit
    let copiesDiffer = try session.fatCopiesDiffer()
    guard wanted != value || copiesDiffer else { return }
    session.table.setRawValue(wanted, for: 1)
    try session.commit(WritePlan(rewriteAllCopies: copiesDiffer))
  }
}
