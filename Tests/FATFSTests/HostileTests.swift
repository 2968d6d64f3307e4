import FATFS
import Foundation
import Testing

/// Damaged and hostile images give clear errors, never a crash, a hang or a write.
@Suite struct HostileTests {
  /// A small FAT16 image with known entries: root slot 0 is the label, then A.TXT (2 clusters),
  /// B.TXT (2 clusters), then "Long name.txt" (one long-name entry).
  static func baseImage() throws -> (bytes: [UInt8], boot: BootSector) {
    let scratch = try Scratch()
    let image = try scratch.makeImage(megabytes: 16, fat: 16, sectorsPerCluster: 1)
    try Tools.copy(pattern(600, seed: 1), to: "/A.TXT", image: image, scratch: scratch.url)
    try Tools.copy(pattern(700, seed: 2), to: "/B.TXT", image: image, scratch: scratch.url)
    try Tools.copy(bytes("long"), to: "/Long name.txt", image: image, scratch: scratch.url)
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: image)))
    let boot = try Volume(device: MemoryBlockDevice(bytes: bytes)).bootSector
    return (bytes, boot)
  }

  static func rootSlot(_ boot: BootSector, _ index: Int) -> Int {
    Int(boot.rootDirectoryOffset) + index * 32
  }

  static func setFAT16(_ bytes: inout [UInt8], _ boot: BootSector, cluster: Int, value: UInt16) {
    for copy in 0..<boot.fatCount {
      let offset = Int(boot.fatOffset) + copy * boot.fatSize + cluster * 2
      bytes[offset] = UInt8(value & 0xFF)
      bytes[offset + 1] = UInt8(value >> 8)
    }
  }

  func open(_ bytes: [UInt8]) throws(FATError) -> (Volume, MemoryBlockDevice) {
    let device = MemoryBlockDevice(bytes: bytes)
    return (try Volume(device: device), device)
  }

  @Test func emptyAndRandomDevicesAreNotFAT() {
    #expect(throws: FATError.notFAT(reason: "the device holds only 0 bytes")) {
      try Volume(device: MemoryBlockDevice(bytes: []))
    }
    #expect(throws: FATError.notFAT(reason: "sector 0 does not end with the 55 AA signature")) {
      try Volume(device: MemoryBlockDevice(bytes: [UInt8](repeating: 0, count: 1 << 20)))
    }
    var random = SeededGenerator(seed: 7)
    for _ in 0..<50 {
      let noise = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) }
      #expect(throws: FATError.self) { try Volume(device: MemoryBlockDevice(bytes: noise)) }
    }
  }

  @Test func truncatedImagesSaySo() throws {
    let (bytes, boot) = try Self.baseImage()
    let half = Array(bytes.prefix(bytes.count / 2))
    #expect(throws: FATError.truncated(needed: boot.volumeSize, available: Int64(half.count))) {
      try Volume(device: MemoryBlockDevice(bytes: half))
    }
  }

  @Test func absurdBootSectorValuesAreRejected() throws {
    let (bytes, _) = try Self.baseImage()
    let cases: [(Int, [UInt8], String)] = [
      (11, [3, 0], "3 bytes per sector"),
      (13, [0], "0 sectors per cluster"),
      (13, [3], "3 sectors per cluster"),
      (14, [0, 0], "no reserved sectors"),
      (16, [0], "0 FAT copies"),
      (22, [0, 0], "no room for data after the FATs and root folder"),
      (22, [1, 0], "the FAT is too small for 32733 clusters"),
      (17, [1, 0], "a root folder of 1 entries"),
    ]
    for (offset, values, reason) in cases {
      var damaged = bytes
      damaged.replaceSubrange(offset..<offset + values.count, with: values)
      #expect(throws: FATError.invalidBootSector(reason: reason)) {
        try Volume(device: MemoryBlockDevice(bytes: damaged))
      }
    }
    var huge = bytes
    huge.replaceSubrange(19..<21, with: [0, 0])
    huge.replaceSubrange(32..<36, with: [0xFF, 0xFF, 0xFF, 0x7F])
    #expect(throws: FATError.self) { try Volume(device: MemoryBlockDevice(bytes: huge)) }
  }

  @Test func loopingChainsAreReportedAndNeverWritten() throws {
    var (bytes, boot) = try Self.baseImage()
    let first = Int(bytes.uint16At(Self.rootSlot(boot, 1) + 26))
    Self.setFAT16(&bytes, boot, cluster: first + 1, value: UInt16(first))
    let (volume, device) = try open(bytes)
    let loop = FATError.damagedChain(path: "/A.TXT", reason: "the chain loops back on itself")
    #expect(throws: loop) { try volume.readFile("/A.TXT") }
    #expect(throws: loop) { try volume.snapshot() }
    #expect(throws: loop) { try volume.validate() }
    #expect(throws: loop) { try volume.append([1], to: "/B.TXT") }
    #expect(throws: loop) { try volume.createFile("/NEW.TXT") }
    #expect(device.bytes == bytes)
    #expect(try volume.readFile("/B.TXT") == pattern(700, seed: 2))
  }

  @Test func crossLinkedChainsAreReported() throws {
    var (bytes, boot) = try Self.baseImage()
    // B.TXT starts at A.TXT's first cluster; both need two clusters, so only the sharing is wrong.
    let slotA = Self.rootSlot(boot, 1)
    let slotB = Self.rootSlot(boot, 2)
    bytes.replaceSubrange(slotB + 26..<slotB + 28, with: bytes[slotA + 26..<slotA + 28])
    let (volume, device) = try open(bytes)
    let first = UInt32(bytes.uint16At(slotA + 26))
    #expect(throws: FATError.crossLinked(path: "/B.TXT", otherPath: "/A.TXT", cluster: first)) {
      try volume.snapshot()
    }
    #expect(throws: FATError.self) { try volume.append([1], to: "/Long name.txt") }
    #expect(device.bytes == bytes)
  }

  @Test func entriesPastTheVolumeAndWrongSizesAreReported() throws {
    var (bytes, boot) = try Self.baseImage()
    let slotA = Self.rootSlot(boot, 1)
    var past = bytes
    past.replaceSubrange(slotA + 26..<slotA + 28, with: [0xF0, 0xFF])
    #expect(throws: FATError.self) { try open(past).0.snapshot() }
    do {
      _ = try open(past).0.snapshot()
    } catch {
      #expect("\(error)".contains("past the end of the volume"))
    }
    // A size that needs more clusters than the chain has.
    bytes.replaceSubrange(slotA + 28..<slotA + 32, with: [0, 0x10, 0, 0])
    let (volume, _) = try open(bytes)
    #expect(throws: FATError.self) { try volume.readFile("/A.TXT") }
    let error = try #require(throws: FATError.self) { try volume.validate() }
    #expect(error.description.contains("A.TXT"))
  }

  @Test func brokenLongNameSequencesAreReported() throws {
    let (bytes, boot) = try Self.baseImage()
    // Slot 3 is the long name's only entry (sequence 0x41), slot 4 its short entry.
    let slot = Self.rootSlot(boot, 3)
    #expect(bytes[slot] == 0x41 && bytes[slot + 11] == 0x0F)
    var wrongChecksum = bytes
    wrongChecksum[slot + 13] &+= 1
    #expect(throws: FATError.self) { try open(wrongChecksum).0.snapshot() }
    var wrongSequence = bytes
    wrongSequence[slot] = 0x43
    let error = try #require(throws: FATError.self) { try open(wrongSequence).0.snapshot() }
    #expect(error.description.contains("long name"))
    var orphan = bytes
    orphan[slot] = 0x02  // a middle part with no start
    #expect(throws: FATError.self) { try open(orphan).0.snapshot() }
  }

  @Test func aReformattedVolumeIsNotWrittenWithTheOldLayout() throws {
    let (bytes, _) = try Self.baseImage()
    let device = MemoryBlockDevice(bytes: bytes)
    let volume = try Volume(device: device)
    try device.write([2], at: 13)
    #expect(throws: FATError.volumeChanged) { try volume.append([1], to: "/A.TXT") }
  }

  /// Mutated images: every call either works or throws a FATError, in bounded time.
  @Test func fuzzedImagesNeverCrash() throws {
    let scratch = try Scratch()
    let image = try scratch.makeImage(megabytes: 2, fat: 12, sectorsPerCluster: 1, label: "FUZZ")
    try Tools.require("mmd", ["-i", image, "::/Folder"])
    try Tools.copy(
      pattern(1500, seed: 1), to: "/Folder/A file with a long name.txt", image: image,
      scratch: scratch.url)
    try Tools.copy(bytes("small"), to: "/SMALL.TXT", image: image, scratch: scratch.url)
    try Tools.copy(pattern(900, seed: 2), to: "/Ünïcode.txt", image: image, scratch: scratch.url)
    let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: image)))
    let boot = try Volume(device: MemoryBlockDevice(bytes: original)).bootSector
    // Mutations land in the metadata (boot sector, FATs, root folder) and the first data
    // clusters, where the folder lives.
    let hotBytes = Int(boot.dataOffset) + 8 * boot.bytesPerCluster
    var random = SeededGenerator(seed: 2024)
    var opened = 0
    for round in 0..<300 {
      var mutated = original
      for _ in 0..<Int.random(in: 1...12, using: &random) {
        let offset = Int.random(in: 0..<hotBytes, using: &random)
        mutated[offset] = UInt8.random(in: 0...255, using: &random)
      }
      if round % 50 == 49 { mutated.removeLast(Int.random(in: 1..<mutated.count, using: &random)) }
      let device = MemoryBlockDevice(bytes: mutated)
      guard let volume = try? Volume(device: device) else { continue }
      opened += 1
      if let snapshot = try? volume.snapshot(readingContentsWhere: { _ in true }) {
        for entry in snapshot.files { _ = try? volume.readFile(entry.path) }
      }
      _ = try? volume.append(bytes("more"), to: "/SMALL.TXT")
      _ = try? volume.createFile("/Folder/New file.txt", contents: pattern(700, seed: round))
      _ = try? volume.remove("/Ünïcode.txt")
      _ = try? volume.isDirty()
      _ = try? volume.clearDirtyBit()
    }
    #expect(opened > 100)
  }
}

extension Array where Element == UInt8 {
  func uint16At(_ offset: Int) -> UInt16 { UInt16(self[offset]) | UInt16(self[offset + 1]) << 8 }
}
