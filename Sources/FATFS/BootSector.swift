/// The three FAT variants. The variant follows from the cluster count alone, as the FAT
/// specification says, never from the type string in the boot sector.
public enum FATType: String, Sendable, CustomStringConvertible {
  case fat12 = "FAT12"
  case fat16 = "FAT16"
  case fat32 = "FAT32"

  public var description: String { rawValue }

  init(clusterCount: Int) {
    if clusterCount < 4085 {
      self = .fat12
    } else if clusterCount < 65525 {
      self = .fat16
    } else {
      self = .fat32
    }
  }
}

/// The parsed and validated boot sector (BIOS parameter block) and the layout it implies.
/// All offsets are in bytes from the start of the volume.
public struct BootSector: Equatable, Sendable {
  public let bytesPerSector: Int
  public let sectorsPerCluster: Int
  public let reservedSectors: Int
  public let fatCount: Int
  public let rootEntryCount: Int
  public let totalSectors: Int
  public let sectorsPerFAT: Int
  public let rootCluster: UInt32
  public let fsInfoSector: Int
  public let backupBootSector: Int
  public let volumeID: UInt32
  public let label: String
  public let fatType: FATType
  public let clusterCount: Int

  /// The sector exactly as read, kept so later calls can tell whether the volume was reformatted.
  let raw: [UInt8]

  public var bytesPerCluster: Int { bytesPerSector * sectorsPerCluster }
  public var fatOffset: Int64 { Int64(reservedSectors * bytesPerSector) }
  public var fatSize: Int { sectorsPerFAT * bytesPerSector }
  /// The part of each FAT copy that has entries for real clusters, in whole sectors. Only this
  /// part is read, so a boot sector claiming a huge FAT cannot make a read huge.
  var usedFATSize: Int {
    let entryBits = fatType == .fat12 ? 12 : (fatType == .fat16 ? 16 : 32)
    let bytes = ((clusterCount + 2) * entryBits + 7) / 8
    let sectors = (bytes + bytesPerSector - 1) / bytesPerSector
    return min(fatSize, sectors * bytesPerSector)
  }
  public var rootDirectoryOffset: Int64 { fatOffset + Int64(fatCount * fatSize) }
  public var rootDirectorySize: Int { rootEntryCount * 32 }
  public var dataOffset: Int64 {
    let rootSectors = (rootDirectorySize + bytesPerSector - 1) / bytesPerSector
    return rootDirectoryOffset + Int64(rootSectors * bytesPerSector)
  }
  public var volumeSize: Int64 { Int64(totalSectors) * Int64(bytesPerSector) }
  /// The highest valid cluster number.
  public var maximumCluster: UInt32 { UInt32(clusterCount + 1) }

  /// The byte offset of the first byte of `cluster` (2 or more).
  func offset(ofCluster cluster: UInt32) -> Int64 {
    dataOffset + Int64(cluster - 2) * Int64(bytesPerCluster)
  }

  /// Offset of the byte holding the dirty flag: "current head" in FAT12/16, its FAT32 twin.
  var stateFlagOffset: Int { fatType == .fat32 ? 0x41 : 0x25 }

  /// Parses and validates a boot sector; `deviceBytes` is how much of the device the volume may
  /// use from its first byte.
  public init(bytes: [UInt8], deviceBytes: Int64) throws(FATError) {
    guard bytes.count >= 512 else { throw .notFAT(reason: "the first sector is missing") }
    guard bytes[510] == 0x55, bytes[511] == 0xAA else {
      throw .notFAT(reason: "sector 0 does not end with the 55 AA signature")
    }
    guard bytes[0] == 0xEB || bytes[0] == 0xE9 else {
      throw .notFAT(reason: "sector 0 does not start with a jump instruction")
    }
    let bytesPerSector = Int(bytes.uint16(at: 11))
    guard [512, 1024, 2048, 4096].contains(bytesPerSector) else {
      throw .invalidBootSector(reason: "\(bytesPerSector) bytes per sector")
    }
    let sectorsPerCluster = Int(bytes[13])
    guard sectorsPerCluster > 0, sectorsPerCluster & (sectorsPerCluster - 1) == 0,
      sectorsPerCluster * bytesPerSector <= 65536
    else { throw .invalidBootSector(reason: "\(sectorsPerCluster) sectors per cluster") }
    let reservedSectors = Int(bytes.uint16(at: 14))
    guard reservedSectors > 0 else { throw .invalidBootSector(reason: "no reserved sectors") }
    let fatCount = Int(bytes[16])
    guard (1...4).contains(fatCount) else {
      throw .invalidBootSector(reason: "\(fatCount) FAT copies")
    }
    let rootEntryCount = Int(bytes.uint16(at: 17))
    guard (rootEntryCount * 32) % bytesPerSector == 0 else {
      throw .invalidBootSector(reason: "a root folder of \(rootEntryCount) entries")
    }
    let total16 = Int(bytes.uint16(at: 19))
    let totalSectors = total16 != 0 ? total16 : Int(bytes.uint32(at: 32))
    let media = bytes[21]
    guard media == 0xF0 || media >= 0xF8 else {
      throw .invalidBootSector(reason: "media byte \(media)")
    }
    let fat16Size = Int(bytes.uint16(at: 22))
    let sectorsPerFAT = fat16Size != 0 ? fat16Size : Int(bytes.uint32(at: 36))
    guard sectorsPerFAT > 0 else { throw .invalidBootSector(reason: "a FAT of 0 sectors") }
    guard totalSectors > 0 else { throw .invalidBootSector(reason: "0 sectors in total") }

    let rootSectors = (rootEntryCount * 32 + bytesPerSector - 1) / bytesPerSector
    let metadataSectors = reservedSectors + fatCount * sectorsPerFAT + rootSectors
    guard metadataSectors < totalSectors else {
      throw .invalidBootSector(reason: "no room for data after the FATs and root folder")
    }
    let clusterCount = (totalSectors - metadataSectors) / sectorsPerCluster
    guard clusterCount >= 1, clusterCount <= 0x0FFF_FFF5 else {
      throw .invalidBootSector(reason: "\(clusterCount) clusters")
    }
    let fatType = FATType(clusterCount: clusterCount)

    // The FAT must hold an entry for every cluster plus the two reserved ones.
    let entryBits = fatType == .fat12 ? 12 : (fatType == .fat16 ? 16 : 32)
    guard (clusterCount + 2) * entryBits <= sectorsPerFAT * bytesPerSector * 8 else {
      throw .invalidBootSector(reason: "the FAT is too small for \(clusterCount) clusters")
    }

    var rootCluster: UInt32 = 0
    var fsInfoSector = 0
    var backupBootSector = 0
    let labelOffset: Int
    let idOffset: Int
    if fatType == .fat32 {
      guard fat16Size == 0, rootEntryCount == 0 else {
        throw .invalidBootSector(reason: "FAT32 fields are inconsistent with the cluster count")
      }
      rootCluster = bytes.uint32(at: 44) & 0x0FFF_FFFF
      guard rootCluster >= 2, rootCluster <= UInt32(clusterCount + 1) else {
        throw .invalidBootSector(reason: "root folder at cluster \(rootCluster)")
      }
      fsInfoSector = Int(bytes.uint16(at: 48))
      if fsInfoSector == 0xFFFF || fsInfoSector >= reservedSectors { fsInfoSector = 0 }
      backupBootSector = Int(bytes.uint16(at: 50))
      if backupBootSector == 0xFFFF || backupBootSector >= reservedSectors { backupBootSector = 0 }
      labelOffset = 71
      idOffset = 67
      guard bytes[66] == 0x29 || bytes[66] == 0x28 else {
        throw .invalidBootSector(reason: "the FAT32 extended boot signature is missing")
      }
    } else {
      guard rootEntryCount > 0 else {
        throw .invalidBootSector(reason: "a FAT12/16 volume without a root folder")
      }
      labelOffset = 43
      idOffset = 39
    }
    let hasExtended = bytes[labelOffset - 5] == 0x29
    var label = ""
    if hasExtended {
      let field = bytes[labelOffset..<labelOffset + 11]
      label = String(decoding: field.map { $0 < 0x20 || $0 > 0x7E ? 0x5F : $0 }, as: UTF8.self)
        .trimmingTrailingSpaces()
      if label == "NO NAME" { label = "" }
    }

    let volumeSize = Int64(totalSectors) * Int64(bytesPerSector)
    guard volumeSize <= deviceBytes else {
      throw .truncated(needed: volumeSize, available: deviceBytes)
    }

    self.bytesPerSector = bytesPerSector
    self.sectorsPerCluster = sectorsPerCluster
    self.reservedSectors = reservedSectors
    self.fatCount = fatCount
    self.rootEntryCount = rootEntryCount
    self.totalSectors = totalSectors
    self.sectorsPerFAT = sectorsPerFAT
    self.rootCluster = rootCluster
    self.fsInfoSector = fsInfoSector
    self.backupBootSector = backupBootSector
    self.volumeID = hasExtended ? bytes.uint32(at: idOffset) : 0
    self.label = label
    self.fatType = fatType
    self.clusterCount = clusterCount
    self.raw = Array(bytes[0..<512])
  }
}

/// Where the volume starts on a device: at byte 0 (a superfloppy) or in the first FAT
/// partition of an MBR partition table.
struct PartitionLocator {
  /// MBR partition types that hold FAT volumes.
  static let fatTypes: Set<UInt8> = [
    0x01, 0x04, 0x06, 0x0B, 0x0C, 0x0E, 0x11, 0x14, 0x16, 0x1B, 0x1C, 0x1E,
  ]

  /// Returns the byte range of the volume, or throws when sector 0 is neither.
  static func locate(on device: any BlockDevice) throws(FATError) -> (
    offset: Int64, size: Int64, boot: BootSector
  ) {
    guard device.size >= 512 else {
      throw .notFAT(reason: "the device holds only \(device.size) bytes")
    }
    let sector = try device.read(count: 512, at: 0)
    var bootError: FATError
    do {
      return (0, device.size, try BootSector(bytes: sector, deviceBytes: device.size))
    } catch {
      bootError = error
    }
    // A jump instruction means a boot sector was meant: report its problem, not the MBR's.
    guard sector[0] != 0xEB, sector[0] != 0xE9, sector[510] == 0x55, sector[511] == 0xAA else {
      throw bootError
    }
    for index in 0..<4 {
      let entry = 446 + 16 * index
      let type = sector[entry + 4]
      guard fatTypes.contains(type) else { continue }
      let start = Int64(sector.uint32(at: entry + 8)) * 512
      let length = Int64(sector.uint32(at: entry + 12)) * 512
      guard start > 0, length > 0 else { continue }
      guard start + 512 <= device.size else {
        throw .truncated(needed: start + length, available: device.size)
      }
      let size = min(length, device.size - start)
      let bytes = try device.read(count: 512, at: start)
      return (start, size, try BootSector(bytes: bytes, deviceBytes: size))
    }
    throw .notFAT(reason: "sector 0 is a partition table without a FAT partition")
  }
}

extension String {
  func trimmingTrailingSpaces() -> String {
    var result = Substring(self)
    while result.last == " " { result.removeLast() }
    return String(result)
  }
}
