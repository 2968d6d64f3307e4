import SystemPackage

/// Everything that can go wrong with a FAT volume. Each description says what is wrong and
/// what to do about it, so it can be shown to a person as is.
public enum FATError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A system call on the device failed.
  case io(operation: String, errno: Errno)
  /// The device ended before a structure that the boot sector says is there.
  case truncated(needed: Int64, available: Int64)
  /// Sector 0 is neither a FAT boot sector nor a partition table with a FAT partition.
  case notFAT(reason: String)
  /// The boot sector looks like FAT but holds values no valid volume can have.
  case invalidBootSector(reason: String)
  /// The boot sector changed since the volume was opened (the drive was reformatted).
  case volumeChanged
  /// A cluster chain is damaged: it loops, leaves the volume, hits a free or bad cluster, or does
  /// not match the size in its directory entry.
  case damagedChain(path: String, reason: String)
  /// Two files or folders claim the same cluster.
  case crossLinked(path: String, otherPath: String, cluster: UInt32)
  /// A directory holds entries no host writes (a broken long-name sequence, an entry pointing
  /// outside the volume, ...).
  case damagedDirectory(path: String, reason: String)
  /// No file or folder has this path.
  case notFound(path: String)
  /// A file or folder with this name already exists.
  case alreadyExists(path: String)
  /// A path component that must be a folder is a file.
  case notADirectory(path: String)
  /// The operation needs a file but the path names a folder.
  case isADirectory(path: String)
  /// A folder can only be removed when it is empty.
  case directoryNotEmpty(path: String)
  /// The name cannot be stored on FAT.
  case invalidName(name: String, reason: String)
  /// Not enough free clusters for the write.
  case volumeFull(neededClusters: Int, freeClusters: Int)
  /// The fixed root folder of FAT12/FAT16 has no free entry left.
  case rootDirectoryFull(entries: Int)
  /// FAT cannot hold a file of this size (4 GiB - 1 at most) or a folder this large.
  case tooLarge(path: String, size: Int)
  /// A read asked for bytes outside the file.
  case rangeOutOfBounds(path: String, range: Range<Int>, size: Int)
  /// The device was opened read-only.
  case readOnly
  /// The file changed between the snapshot and the read.
  case changedSinceSnapshot(path: String)

  public var description: String {
    switch self {
    case .io(let operation, let errno):
      return
        "\(operation) failed: \(errno). Check that the image or device is present and readable."
    case .truncated(let needed, let available):
      return
        "The device holds \(available) bytes but the volume needs \(needed): the image is truncated. Restore it or format it again."
    case .notFAT(let reason):
      return "Not a FAT volume: \(reason). Format the drive as FAT (for example with mkfs.fat)."
    case .invalidBootSector(let reason):
      return "The FAT boot sector is invalid: \(reason). Format the drive again."
    case .volumeChanged:
      return "The volume's boot sector changed since it was opened: open the volume again."
    case .damagedChain(let path, let reason):
      return
        "The cluster chain of \(path) is damaged: \(reason). Run a disk check (fsck.fat, chkdsk, First Aid) on the drive."
    case .crossLinked(let path, let otherPath, let cluster):
      return
        "\(path) and \(otherPath) both use cluster \(cluster) (cross-linked). Run a disk check (fsck.fat, chkdsk, First Aid) on the drive."
    case .damagedDirectory(let path, let reason):
      return
        "The folder \(path) is damaged: \(reason). Run a disk check (fsck.fat, chkdsk, First Aid) on the drive."
    case .notFound(let path):
      return "\(path) does not exist."
    case .alreadyExists(let path):
      return "\(path) already exists: choose another name or remove it first."
    case .notADirectory(let path):
      return "\(path) is a file, not a folder."
    case .isADirectory(let path):
      return "\(path) is a folder, not a file."
    case .directoryNotEmpty(let path):
      return "The folder \(path) is not empty: remove what is inside first."
    case .invalidName(let name, let reason):
      return "\"\(name)\" cannot be used as a name on a FAT drive: \(reason)."
    case .volumeFull(let needed, let free):
      return
        "The drive is full: the write needs \(needed) clusters and only \(free) are free. Delete some files."
    case .rootDirectoryFull(let entries):
      return
        "The top folder of the drive is full (it holds at most \(entries) entries): delete some files or use a folder."
    case .tooLarge(let path, let size):
      return "\(path) would be \(size) bytes, more than FAT allows."
    case .rangeOutOfBounds(let path, let range, let size):
      return
        "Bytes \(range.lowerBound)..<\(range.upperBound) are outside \(path), which holds \(size) bytes."
    case .readOnly:
      return "The drive was opened read-only: open it writable to change it."
    case .changedSinceSnapshot(let path):
      return "\(path) changed since the snapshot was taken: take a new snapshot."
    }
  }
}
