import Foundation

/// A value that changes when a file, a folder or the whole volume changes.
public struct ChangeToken: Hashable, Sendable, CustomStringConvertible {
  public let rawValue: UInt64
  public init(rawValue: UInt64) { self.rawValue = rawValue }
  public var description: String {
    let hex = String(rawValue, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }
}

/// The tree of a volume as read in one pass: every file and folder with its size, times and
/// change token, and the contents of the files the caller asked for, all from the same FAT.
public struct Snapshot: Sendable {
  public struct Entry: Sendable, Hashable {
    /// The full path, as stored on the volume: `/FOLDER/Name.txt`.
    public let path: String
    /// The long name, or the short name when there is none.
    public let name: String
    /// The 8.3 name, such as `NAME~1.TXT`.
    public let shortName: String
    public let isDirectory: Bool
    /// Bytes; 0 for folders.
    public let size: Int
    public let attributes: FileAttributes
    public let created: Date?
    public let modified: Date?
    /// FAT stores only the day of the last access: this is its local midnight.
    public let accessed: Date?
    /// Changes whenever the entry's name, size, times (except the access day), clusters, or,
    /// for files up to `Volume.contentHashLimit`, contents change.
    public let token: ChangeToken
    /// The contents, when the snapshot was asked to read them.
    public let contents: [UInt8]?
  }

  /// The volume label: the root folder's label entry, else the boot sector's.
  public let label: String
  /// Files and folders, each folder's items together, parents before children.
  public let entries: [Entry]
  /// Changes whenever any entry's token or the label changes.
  public let token: ChangeToken
  public let freeBytes: Int64
  public let fatType: FATType

  /// The entry at `path`, compared without regard to case.
  public subscript(path: String) -> Entry? {
    let wanted = Snapshot.normalize(path)
    return entries.first { Snapshot.normalize($0.path) == wanted }
  }

  public var files: [Entry] { entries.filter { !$0.isDirectory } }

  static func normalize(_ path: String) -> String {
    "/" + path.split(separator: "/").joined(separator: "/").uppercased()
  }
}

extension Volume {
  /// Reads the whole tree in one pass. Files for which `readContents` returns true have their
  /// contents read in the same pass, so names, sizes and contents agree. Throws on any damage
  /// (see `validate()`).
  public func snapshot(
    readingContentsWhere readContents: (Snapshot.Entry) -> Bool = { _ in false }
  ) throws(FATError) -> Snapshot {
    let session = try session()
    let (nodes, rootLabel) = try session.walk()
    var entries: [Snapshot.Entry] = []
    entries.reserveCapacity(nodes.count)
    var volumeHash = FNV1a()
    for node in nodes {
      var entry = try makeEntry(node, session: session, contents: nil)
      if !node.item.isDirectory && readContents(entry) {
        let bytes = try session.readClusters(node.chain, count: entry.size)
        entry = try makeEntry(node, session: session, contents: bytes)
      }
      volumeHash.add(entry.token.rawValue)
      entries.append(entry)
    }
    let label = rootLabel ?? bootSector.label
    volumeHash.add(Array(label.utf8))
    let free = Int64(session.table.freeClusterCount()) * Int64(bootSector.bytesPerCluster)
    return Snapshot(
      label: label, entries: entries, token: ChangeToken(rawValue: volumeHash.value),
      freeBytes: free, fatType: fatType)
  }

  /// The current token of the file or folder at `path`: compare with a snapshot's entry to
  /// tell cheaply whether it changed. Reads only the path's folders and, for small files, the
  /// file itself.
  public func changeToken(of path: String) throws(FATError) -> ChangeToken {
    let session = try session()
    let (_, item, shown) = try session.lookup(path)
    let chain =
      item.isDirectory
      ? try session.chain(from: item.entry.firstCluster, path: shown)
      : try session.fileChain(item, path: shown)
    let node = Session.Node(path: shown, item: item, chain: chain, parentCluster: 0)
    return try makeEntry(node, session: session, contents: nil).token
  }

  /// Whether the entry changed (or vanished) since its snapshot was taken.
  public func hasChanged(_ entry: Snapshot.Entry) throws(FATError) -> Bool {
    do {
      return try changeToken(of: entry.path) != entry.token
    } catch .notFound {
      return true
    } catch .notADirectory {
      return true
    }
  }

  /// Whether anything on the volume changed since `snapshot` was taken.
  public func hasChanged(since snapshot: Snapshot) throws(FATError) -> Bool {
    try self.snapshot().token != snapshot.token
  }

  /// The contents of a file from a snapshot; throws `changedSinceSnapshot` when the file is no
  /// longer what the snapshot saw.
  public func readFile(_ entry: Snapshot.Entry) throws(FATError) -> [UInt8] {
    let session = try session()
    let (_, item, shown) = try session.lookup(entry.path)
    guard !item.isDirectory else { throw .isADirectory(path: shown) }
    let chain = try session.fileChain(item, path: shown)
    let node = Session.Node(path: shown, item: item, chain: chain, parentCluster: 0)
    let bytes = try session.readClusters(chain, count: Int(item.entry.fileSize))
    guard try makeEntry(node, session: session, contents: bytes).token == entry.token else {
      throw .changedSinceSnapshot(path: shown)
    }
    return bytes
  }

  private func makeEntry(
    _ node: Session.Node, session: Session, contents: [UInt8]?
  ) throws(FATError) -> Snapshot.Entry {
    let entry = node.item.entry
    var hash = FNV1a()
    var raw = entry.encoded
    raw[18] = 0  // the access day changes when a host only reads: not a change
    raw[19] = 0
    hash.add(raw)
    hash.add(Array(Snapshot.normalize(node.path).utf8))
    hash.add(Array(node.item.name.utf8))
    for cluster in node.chain { hash.add(UInt64(cluster)) }
    let size = Int(entry.fileSize)
    if !node.item.isDirectory && size <= contentHashLimit {
      if let contents {
        hash.add(contents)
      } else {
        hash.add(try session.readClusters(node.chain, count: size))
      }
    }
    let created = FATTimestamp(
      date: entry.createDate, time: entry.createTime, tenths: entry.createTenths)
    return Snapshot.Entry(
      path: node.path, name: node.item.name, shortName: entry.displayName,
      isDirectory: node.item.isDirectory, size: node.item.isDirectory ? 0 : size,
      attributes: entry.attributes,
      created: created.instant(in: timeZone),
      modified: FATTimestamp(date: entry.writeDate, time: entry.writeTime).instant(in: timeZone),
      accessed: FATTimestamp(date: entry.accessDate, time: 0).instant(in: timeZone),
      token: ChangeToken(rawValue: hash.value), contents: contents)
  }
}
