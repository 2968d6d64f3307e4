import FATFS
import Foundation
import SystemPackage
import Testing

/// Images written by mkfs.fat and mtools read back exactly.
@Suite struct ReadTests {
  @Test(arguments: Format.all)
  func readsWhatMtoolsWrote(format: Format) throws {
    let scratch = try Scratch()
    let image = try scratch.makeImage(
      megabytes: format.megabytes, fat: format.fat, sectorsPerCluster: format.sectorsPerCluster)
    var model = Model()
    let clusterSize = format.sectorsPerCluster * 512
    func put(_ path: String, _ contents: [UInt8]) throws {
      try Tools.copy(contents, to: path, image: image, scratch: scratch.url)
      model.files[path] = contents
    }
    func folder(_ path: String) throws {
      try Tools.require("mmd", ["-i", image, "::" + path])
      model.folders.insert(path)
    }
    try put("/readme.txt", bytes("Hello\r\n"))
    try put("/UPPER.TXT", bytes("upper"))
    try put("/Ünïcode name – 日本語.txt", bytes("unicode ✓"))
    try put("/empty.txt", [])
    try folder("/Nested")
    try folder("/Nested/Deeper")
    try folder("/Nested/Deeper/A folder with a rather long name, to need several entries")
    try put(
      "/Nested/Deeper/A folder with a rather long name, to need several entries/x y.txt",
      bytes("deep"))
    try folder("/Many")
    for index in 0..<40 {
      try put("/Many/File number \(index).text", bytes("file \(index)"))
    }
    // Fragmentation: free a hole between two files, then add a file larger than the hole.
    try put("/a.bin", pattern(3 * clusterSize, seed: 1))
    try put("/b.bin", pattern(2 * clusterSize + 5, seed: 2))
    try put("/c.bin", pattern(3 * clusterSize, seed: 3))
    try Tools.require("mdel", ["-i", image, "::/b.bin"])
    model.files["/b.bin"] = nil
    try put("/fragmented.bin", pattern(7 * clusterSize + 100, seed: 4))
    try Tools.expectClean(image, "filling with mtools")

    let volume = try Volume.testing(image)
    #expect(volume.fatType.rawValue == "FAT\(format.fat)")
    try model.verify(volume, after: "mtools filled the image")
    for (path, contents) in model.files {
      #expect(try volume.readFile(path) == contents, "\(path)")
      #expect(try volume.readFile(path.uppercased()) == contents, "case-insensitive \(path)")
    }
    let fragmented = model.files["/fragmented.bin"]!
    #expect(
      try volume.readFile("/fragmented.bin", range: 100..<(3 * clusterSize))
        == Array(fragmented[100..<(3 * clusterSize)]))
    let snapshot = try volume.snapshot()
    #expect(snapshot.label == "TESTVOL")
    #expect(snapshot["/readme.txt"]?.shortName == "readme.txt")
    #expect(snapshot["/Ünïcode name – 日本語.txt"]?.size == bytes("unicode ✓").count)
    #expect(try volume.isDirty() == false)
    #expect(try volume.listDirectory("/Nested") == ["Deeper"])
  }

  @Test func readsTimestampsAsMtoolsSetThem() throws {
    let scratch = try Scratch()
    let image = try scratch.makeImage(megabytes: 16, fat: 16, sectorsPerCluster: 1)
    let source = scratch.url.appendingPathComponent("stamped.txt")
    try Data("x".utf8).write(to: source)
    let when = Date(timeIntervalSince1970: 1_600_000_000)  // 2020-09-13 12:26:40 UTC
    try FileManager.default.setAttributes([.modificationDate: when], ofItemAtPath: source.path)
    try Tools.require("mcopy", ["-m", "-i", image, source.path, "::/stamped.txt"])
    let volume = try Volume.testing(image)
    let entry = try #require(try volume.snapshot()["/STAMPED.TXT"])
    #expect(entry.modified == when)
  }

  @Test func readsTheFirstFATPartitionOfAnMBRImage() throws {
    let scratch = try Scratch()
    let image = scratch.path("partitioned.img")
    _ = FileManager.default.createFile(atPath: image, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: image))
    try handle.truncate(atOffset: 20 * 1024 * 1024)
    try handle.close()
    let partitionStart = 2048
    let partitionSectors = 20 * 2048 - partitionStart
    try Tools.require(
      "mkfs.fat",
      ["-F", "16", "--offset", "\(partitionStart)", "-n", "PART", image, "\(partitionSectors / 2)"])
    // The partition table: one FAT16 (LBA) entry.
    var table = [UInt8](repeating: 0, count: 512)
    table[446 + 4] = 0x0E
    for (index, value) in [UInt32(partitionStart), UInt32(partitionSectors)].enumerated() {
      for byte in 0..<4 {
        table[446 + 8 + index * 4 + byte] = UInt8(truncatingIfNeeded: value >> (8 * byte))
      }
    }
    table[510] = 0x55
    table[511] = 0xAA
    let device = try FileBlockDevice(path: FilePath(image))
    try device.write(table, at: 0)
    try Tools.copy(
      bytes("in a partition"), to: "/INSIDE.TXT", image: image + "@@1M", scratch: scratch.url)

    let volume = try Volume(device: device)
    #expect(volume.offset == Int64(partitionStart * 512))
    #expect(try volume.readFile("/inside.txt") == bytes("in a partition"))
    try volume.append(bytes(", appended"), to: "/inside.txt")
    #expect(try Tools.read(image + "@@1M", "/INSIDE.TXT") == bytes("in a partition, appended"))
    // fsck.fat checks only superfloppies: check a copy of the partition.
    let partition = try device.read(count: partitionSectors * 512, at: Int64(partitionStart * 512))
    let extracted = scratch.path("partition.img")
    try Data(partition).write(to: URL(fileURLWithPath: extracted))
    try Tools.expectClean(extracted, "appending inside a partition")
  }
}
