/// The state of one operation on a volume: the boot sector, one FAT copy read fresh from the
/// device, and the directories read so far. Nothing outlives the operation, so every call sees
/// what the host last wrote.
final class Session {
  /// A file or folder found by walking the tree.
  struct Node {
    var path: String
    var item: Directory.Item
    /// Validated chain: no loop, inside the volume, as long as the size needs.
    var chain: [UInt32]
    /// The directory holding the item.
    var parentCluster: UInt32
  }

  let device: any BlockDevice
  let base: Int64
  let boot: BootSector
  var table: FileAllocationTable

  init(device: any BlockDevice, base: Int64, boot: BootSector) throws(FATError) {
    self.device = device
    self.base = base
    // A reformatted volume must not be written with the old geometry. The dirty flag byte
    // changes whenever a host mounts, so it is left out of the comparison.
    var current = try device.read(count: 512, at: base)
    var expected = boot.raw
    current[boot.stateFlagOffset] = 0
    expected[boot.stateFlagOffset] = 0
    guard current == expected else { throw .volumeChanged }
    self.boot = boot
    self.table = FileAllocationTable(
      boot: boot, bytes: try device.read(count: boot.usedFATSize, at: base + boot.fatOffset))
  }

  func read(count: Int, at offset: Int64) throws(FATError) -> [UInt8] {
    try device.read(count: count, at: base + offset)
  }

  func write(_ bytes: [UInt8], at offset: Int64) throws(FATError) {
    try device.write(bytes, at: base + offset)
  }

  // MARK: Chains

  /// Follows the chain from `first`; throws when it loops, leaves the volume or hits a free or
  /// bad cluster. Bounded by the cluster count.
  func chain(from first: UInt32, path: String) throws(FATError) -> [UInt32] {
    guard first != 0 else { return [] }
    var result: [UInt32] = []
    var cluster = first
    while true {
      guard cluster >= 2, cluster <= boot.maximumCluster else {
        throw .damagedChain(path: path, reason: "cluster \(cluster) is outside the volume")
      }
      guard result.count < boot.clusterCount else {
        throw .damagedChain(path: path, reason: "the chain loops back on itself")
      }
      result.append(cluster)
      switch table.entry(cluster) {
      case .end: return result
      case .next(let next): cluster = next
      case .free:
        throw .damagedChain(path: path, reason: "cluster \(cluster) is followed by a free cluster")
      case .bad:
        throw .damagedChain(path: path, reason: "cluster \(cluster) is marked bad")
      case .invalid(let value):
        throw .damagedChain(path: path, reason: "cluster \(cluster) points to \(value)")
      }
    }
  }

  /// The chain of a file, checked against the size in its entry.
  func fileChain(_ item: Directory.Item, path: String) throws(FATError) -> [UInt32] {
    let chain = try chain(from: item.entry.firstCluster, path: path)
    let needed = clustersNeeded(for: Int(item.entry.fileSize))
    guard chain.count == needed else {
      throw .damagedChain(
        path: path,
        reason:
          "the file holds \(item.entry.fileSize) bytes, which needs \(needed) clusters, but its chain has \(chain.count)"
      )
    }
    return chain
  }

  func clustersNeeded(for size: Int) -> Int {
    (size + boot.bytesPerCluster - 1) / boot.bytesPerCluster
  }

  // MARK: Directories

  func rootDirectory() throws(FATError) -> Directory {
    if boot.fatType == .fat32 {
      return try directory(at: boot.rootCluster, path: "/")
    }
    return Directory(
      path: "/", firstCluster: 0, clusters: [],
      bytes: try read(count: boot.rootDirectorySize, at: boot.rootDirectoryOffset), boot: boot)
  }

  func directory(at firstCluster: UInt32, path: String) throws(FATError) -> Directory {
    let clusters = try chain(from: firstCluster, path: path)
    guard !clusters.isEmpty else {
      throw .damagedDirectory(path: path, reason: "the folder has no cluster")
    }
    guard clusters.count * boot.bytesPerCluster <= Directory.maximumEntries * 32 else {
      throw .damagedDirectory(path: path, reason: "the folder is larger than FAT allows")
    }
    return Directory(
      path: path, firstCluster: firstCluster, clusters: clusters,
      bytes: try readClusters(clusters, count: clusters.count * boot.bytesPerCluster), boot: boot)
  }

  /// Reads the first `count` bytes of the clusters, one read per contiguous run.
  func readClusters(_ clusters: [UInt32], count: Int, skip: Int = 0) throws(FATError) -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(count)
    let clusterSize = boot.bytesPerCluster
    var index = skip / clusterSize
    var within = skip % clusterSize
    while result.count < count, index < clusters.count {
      var runEnd = index + 1
      while runEnd < clusters.count, clusters[runEnd] == clusters[runEnd - 1] + 1 { runEnd += 1 }
      let available = (runEnd - index) * clusterSize - within
      let take = min(available, count - result.count)
      result += try read(count: take, at: boot.offset(ofCluster: clusters[index]) + Int64(within))
      within = 0
      index = runEnd
    }
    return result
  }

  // MARK: Paths

  static func components(of path: String) throws(FATError) -> [String] {
    let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    for part in parts { try LongName.validate(part) }
    return parts
  }

  /// Names compare as FAT hosts do: without regard to case.
  static func sameName(_ left: String, _ right: String) -> Bool {
    left == right || left.uppercased() == right.uppercased()
  }

  static func find(_ name: String, in items: [Directory.Item]) -> Directory.Item? {
    items.first { sameName($0.name, name) || sameName($0.entry.displayName, name) }
  }

  /// The directory `components` names (the root for none).
  func directory(components: [String]) throws(FATError) -> Directory {
    var current = try rootDirectory()
    for component in components {
      let (items, _) = try current.parse()
      let shown = (current.path == "/" ? "" : current.path) + "/" + component
      guard let item = Session.find(component, in: items) else { throw .notFound(path: shown) }
      guard item.isDirectory else { throw .notADirectory(path: shown) }
      let path = (current.path == "/" ? "" : current.path) + "/" + item.name
      guard item.entry.firstCluster != 0 else {
        throw .damagedDirectory(path: path, reason: "the folder has no cluster")
      }
      current = try directory(at: item.entry.firstCluster, path: path)
    }
    return current
  }

  /// The parent directory of `path` and the item it names.
  func lookup(_ path: String) throws(FATError) -> (
    parent: Directory, item: Directory.Item, path: String
  ) {
    let parts = try Session.components(of: path)
    guard let last = parts.last else { throw .isADirectory(path: "/") }
    let parent = try directory(components: Array(parts.dropLast()))
    let (items, _) = try parent.parse()
    guard let item = Session.find(last, in: items) else {
      throw .notFound(path: "/" + parts.joined(separator: "/"))
    }
    return (parent, item, (parent.path == "/" ? "" : parent.path) + "/" + item.name)
  }

  // MARK: Walking

  /// Every file and folder, depth first, with all chains validated and no cluster used twice.
  /// Throws on the first damage found.
  func walk() throws(FATError) -> (nodes: [Node], label: String?) {
    var owners = [Int32](repeating: 0, count: boot.clusterCount + 2)
    var ownerPaths: [String] = []
    func claim(_ chain: [UInt32], path: String) throws(FATError) {
      ownerPaths.append(path)
      let owner = Int32(ownerPaths.count)
      for cluster in chain {
        let index = Int(cluster)
        let previous = owners[index]
        guard previous == 0 else {
          throw .crossLinked(
            path: path, otherPath: ownerPaths[Int(previous) - 1], cluster: cluster)
        }
        owners[index] = owner
      }
    }
    let root = try rootDirectory()
    try claim(root.clusters, path: "/")
    var nodes: [Node] = []
    var label: String?
    var pending: [Directory] = [root]
    while let directory = pending.popLast() {
      let (items, found) = try directory.parse()
      if directory.path == "/" { label = found }
      var children: [Directory] = []
      for item in items {
        let path = (directory.path == "/" ? "" : directory.path) + "/" + item.name
        if item.isDirectory {
          guard item.entry.firstCluster != 0 else {
            throw .damagedDirectory(path: path, reason: "the folder has no cluster")
          }
          let child = try self.directory(at: item.entry.firstCluster, path: path)
          try claim(child.clusters, path: path)
          nodes.append(
            Node(
              path: path, item: item, chain: child.clusters, parentCluster: directory.firstCluster))
          children.append(child)
        } else {
          let chain = try fileChain(item, path: path)
          try claim(chain, path: path)
          nodes.append(
            Node(path: path, item: item, chain: chain, parentCluster: directory.firstCluster))
        }
      }
      pending += children.reversed()
    }
    return (nodes, label)
  }
}
