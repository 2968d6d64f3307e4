import FATFS
import Foundation
import SystemPackage
import Testing

/// Every mutation leaves an image that fsck.fat finds clean and mtools reads as written.
@Suite struct WriteTests {
  @Test(arguments: Format.all)
  func mutationsMatchTheTools(format: Format) throws {
    let scratch = try Scratch()
    let image = try scratch.makeImage(
      megabytes: format.megabytes, fat: format.fat, sectorsPerCluster: format.sectorsPerCluster)
    let clusterSize = format.sectorsPerCluster * 512
    let volume = try Volume.testing(image)
    var model = Model()

    try volume.createFile("/hello.txt", contents: bytes("Hello?\r\n"))
    model.files["/hello.txt"] = bytes("Hello?\r\n")
    try model.verifyWithTools(image, after: "create")

    try volume.createFile("/EMPTY.TXT")
    model.files["/EMPTY.TXT"] = []
    try model.verifyWithTools(image, after: "create empty")

    try volume.makeDirectory("/Notes")
    model.folders.insert("/Notes")
    try volume.makeDirectory("/Notes/Ünïcode folder – 日本語")
    model.folders.insert("/Notes/Ünïcode folder – 日本語")
    try model.verifyWithTools(image, after: "mkdir")

    let question = "/Notes/Ünïcode folder – 日本語/A question with a long name.txt"
    try volume.createFile(question, contents: bytes("Why is the sky blue?\r\n"))
    model.files[question] = bytes("Why is the sky blue?\r\n")
    try model.verifyWithTools(image, after: "create nested")

    // Appends that stay in a cluster, fill it exactly, and cross several clusters.
    for (index, count) in [10, clusterSize - 32, 3 * clusterSize + 7].enumerated() {
      let more = pattern(count, seed: index)
      try volume.append(more, to: question.uppercased())
      model.files[question]! += more
      try model.verifyWithTools(image, after: "append \(count)")
    }
    try volume.append([], to: "/EMPTY.TXT")
    try volume.append(bytes("now something"), to: "/empty.txt")
    model.files["/EMPTY.TXT"] = bytes("now something")
    try model.verifyWithTools(image, after: "append to empty")

    try volume.rewrite("/hello.txt", contents: pattern(2 * clusterSize + 1, seed: 9))
    model.files["/hello.txt"] = pattern(2 * clusterSize + 1, seed: 9)
    try model.verifyWithTools(image, after: "rewrite longer")
    try volume.rewrite("/hello.txt", contents: bytes("short"))
    model.files["/hello.txt"] = bytes("short")
    try model.verifyWithTools(image, after: "rewrite shorter")

    try volume.truncate(question, to: clusterSize + 3)
    model.files[question] = Array(model.files[question]!.prefix(clusterSize + 3))
    try model.verifyWithTools(image, after: "truncate")
    try volume.truncate("/hello.txt", to: 8)
    model.files["/hello.txt"] = bytes("short") + [0, 0, 0]
    try model.verifyWithTools(image, after: "extend")
    try volume.truncate("/hello.txt", to: 0)
    model.files["/hello.txt"] = []
    try model.verifyWithTools(image, after: "truncate to zero")

    // Enough files to grow a folder past one cluster, with clashing short names.
    for index in 0..<(clusterSize / 32 + 3) {
      let path = "/Notes/Long file name number \(index).txt"
      try volume.createFile(path, contents: bytes("\(index)"))
      model.files[path] = bytes("\(index)")
    }
    try model.verifyWithTools(image, after: "many files")

    try volume.remove("/Notes/Long file name number 3.txt")
    model.files["/Notes/Long file name number 3.txt"] = nil
    try volume.remove(question)
    model.files[question] = nil
    try volume.remove("/Notes/Ünïcode folder – 日本語")
    model.folders.remove("/Notes/Ünïcode folder – 日本語")
    try model.verifyWithTools(image, after: "remove")
    try volume.createFile("/Notes/Reuses a deleted slot.txt", contents: bytes("again"))
    model.files["/Notes/Reuses a deleted slot.txt"] = bytes("again")
    try model.verifyWithTools(image, after: "create after remove")
    try model.verify(volume, after: "all mutations")
  }

  @Test func timestampsAreWhatHostsShow() throws {
    let scratch = try Scratch()
    let image = try scratch.makeImage(megabytes: 16, fat: 16, sectorsPerCluster: 1)
    let volume = try Volume.testing(image)
    try volume.createFile("/STAMP.TXT", contents: bytes("x"))
    // mdir shows the modification time to the minute.
    #expect(try Tools.directoryLine(image, "/STAMP.TXT").contains("2024-03-05  14:27"))
    var entry = try #require(try volume.snapshot()["/stamp.txt"])
    // Modification times have 2-second resolution; creation keeps hundredths.
    #expect(entry.modified == Date(timeIntervalSince1970: 1_709_648_858))
    #expect(abs(entry.created!.timeIntervalSince(fixedDate)) < 0.011)
    #expect(entry.accessed == Date(timeIntervalSince1970: 1_709_596_800))
    #expect(entry.attributes.contains(.archive))

    let later = Date(timeIntervalSince1970: 1_709_648_858 + 3600 * 30)
    volume.clock = { later }
    try volume.append(bytes("y"), to: "/STAMP.TXT")
    entry = try #require(try volume.snapshot()["/stamp.txt"])
    #expect(entry.modified == later)
    #expect(abs(entry.created!.timeIntervalSince(fixedDate)) < 0.011)
    #expect(try Tools.directoryLine(image, "/STAMP.TXT").contains("2024-03-06  20:27"))

    // A host in another zone: the same wall-clock digits are stored.
    let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
    volume.timeZone = berlin
    volume.clock = { fixedDate }
    try volume.createFile("/LOCAL.TXT")
    #expect(try Tools.directoryLine(image, "/LOCAL.TXT").contains("2024-03-05  15:27"))
    #expect(
      try volume.snapshot()["/LOCAL.TXT"]?.modified == Date(timeIntervalSince1970: 1_709_648_858))
  }

  @Test func aFullVolumeFailsBeforeChangingAnything() throws {
    let scratch = try Scratch()
    let image = try scratch.makeImage(megabytes: 2, fat: 12, sectorsPerCluster: 1)
    let volume = try Volume.testing(image)
    try volume.createFile("/keep.txt", contents: bytes("keep"))
    let before = try Data(contentsOf: URL(fileURLWithPath: image))
    let free = Int(try volume.snapshot().freeBytes)
    #expect(throws: FATError.volumeFull(neededClusters: free / 512 + 1, freeClusters: free / 512)) {
      try volume.createFile("/big.bin", contents: [UInt8](repeating: 1, count: free + 1))
    }
    #expect(throws: FATError.self) {
      try volume.append([UInt8](repeating: 1, count: free + 512), to: "/keep.txt")
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: image)) == before)
    // Exactly full works, and fsck agrees.
    try volume.createFile("/big.bin", contents: [UInt8](repeating: 1, count: free))
    #expect(try volume.snapshot().freeBytes == 0)
    try Tools.expectClean(image, "filling the volume")
  }

  @Test func theFixedRootFolderFillsUp() throws {
    let scratch = try Scratch()
    let image = scratch.path("small.img")
    _ = FileManager.default.createFile(atPath: image, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: image))
    try handle.truncate(atOffset: 1024 * 1024)
    try handle.close()
    try Tools.require("mkfs.fat", ["-F", "12", "-r", "16", "-n", "TINY", image])
    let volume = try Volume.testing(image)
    for index in 0..<15 { try volume.createFile("/F\(index).TXT") }
    #expect(throws: FATError.rootDirectoryFull(entries: 16)) {
      try volume.createFile("/ONE.TXT")
    }
    try Tools.expectClean(image, "filling the root folder")
  }

  @Test func namesAreCheckedAndUnique() throws {
    let scratch = try Scratch()
    let image = try scratch.makeImage(megabytes: 16, fat: 16, sectorsPerCluster: 1)
    let volume = try Volume.testing(image)
    try volume.createFile("/Report.txt")
    #expect(throws: FATError.alreadyExists(path: "/Report.txt")) {
      try volume.createFile("/REPORT.TXT")
    }
    #expect(throws: FATError.self) { try volume.createFile("/a:b.txt") }
    #expect(throws: FATError.self) { try volume.createFile("/trailing. ") }
    #expect(throws: FATError.notFound(path: "/Missing")) { try volume.createFile("/Missing/x.txt") }
    #expect(throws: FATError.notADirectory(path: "/Report.txt")) {
      try volume.createFile("/Report.txt/x.txt")
    }
    try volume.makeDirectory("/Folder")
    try volume.createFile("/Folder/x.txt")
    #expect(throws: FATError.directoryNotEmpty(path: "/Folder")) { try volume.remove("/folder") }
    #expect(throws: FATError.isADirectory(path: "/Folder")) {
      try volume.append([1], to: "/Folder")
    }

    // Names that map to the same 8.3 basis get distinct ~N tails.
    let names =
      (1...12).map { "Quarterly report \($0).txt" } + ["quarterly+report.txt", "QUARTE~9.TX"]
    var expected = Set(["/Report.txt", "/Folder/", "/Folder/x.txt"])
    for name in names {
      try volume.createFile("/" + name, contents: bytes(name))
      expected.insert("/" + name)
    }
    // A generated short name is a name too.
    #expect(throws: FATError.alreadyExists(path: "/Quarterly report 1.txt")) {
      try volume.createFile("/quarte~1.txt")
    }
    let snapshot = try volume.snapshot()
    let shortNames = snapshot.entries.filter { $0.path.split(separator: "/").count == 1 }.map(
      \.shortName)
    #expect(Set(shortNames.map { $0.uppercased() }).count == shortNames.count)
    #expect(try Tools.list(image) == expected)
    for name in names { #expect(try Tools.read(image, "/" + name) == bytes(name)) }
    try Tools.expectClean(image, "name clashes")
  }

  @Test func theDirtyBitIsReadAndCleared() throws {
    for fat in [12, 16, 32] {
      let scratch = try Scratch()
      let image = try scratch.makeImage(
        megabytes: fat == 32 ? 40 : (fat == 16 ? 16 : 2), fat: fat, sectorsPerCluster: 1)
      let volume = try Volume.testing(image)
      #expect(try volume.isDirty() == false)
      try volume.setDirty(true)
      #expect(try volume.isDirty() == true)
      let dirty = try Tools.check(image)
      #expect(dirty.output.lowercased().contains("dirty"), "FAT\(fat): \(dirty.output)")
      try volume.createFile("/A.TXT", contents: bytes("a"))
      try volume.clearDirtyBit()
      try volume.synchronize()
      #expect(try volume.isDirty() == false)
      try Tools.expectClean(image, "clearing the dirty bit on FAT\(fat)")
    }
  }

  @Test func changeTokensTellWhatChanged() throws {
    let scratch = try Scratch()
    let image = try scratch.makeImage(megabytes: 16, fat: 16, sectorsPerCluster: 1)
    let volume = try Volume.testing(image)
    try volume.createFile("/one.txt", contents: bytes("one"))
    try volume.createFile("/two.txt", contents: bytes("two"))
    let first = try volume.snapshot(readingContentsWhere: { $0.name.hasSuffix(".txt") })
    let one = try #require(first["/ONE.TXT"])
    #expect(one.contents == bytes("one"))
    #expect(try volume.hasChanged(since: first) == false)
    #expect(try volume.hasChanged(one) == false)
    #expect(try volume.readFile(one) == bytes("one"))

    // Same size, same timestamp (fixed clock): only the contents differ.
    try volume.rewrite("/two.txt", contents: bytes("TWO"))
    #expect(try volume.hasChanged(since: first))
    #expect(try volume.hasChanged(one) == false)
    #expect(try volume.hasChanged(try #require(first["/two.txt"])))
    #expect(throws: FATError.changedSinceSnapshot(path: "/two.txt")) {
      try volume.readFile(try #require(first["/two.txt"]))
    }
    try volume.remove("/one.txt")
    #expect(try volume.hasChanged(one))
    // Written by a host: the token sees it too.
    let second = try volume.snapshot()
    try Tools.copy(bytes("from the host"), to: "/host.txt", image: image, scratch: scratch.url)
    #expect(try volume.hasChanged(since: second))
  }

  @Test func allocationPrefersContiguousRuns() throws {
    let scratch = try Scratch()
    let image = try scratch.makeImage(megabytes: 16, fat: 16, sectorsPerCluster: 1)
    let volume = try Volume.testing(image)
    try volume.createFile("/a.bin", contents: pattern(3 * 512, seed: 1))
    try volume.createFile("/b.bin", contents: pattern(512, seed: 2))
    try volume.createFile("/c.bin", contents: pattern(512, seed: 3))
    try volume.remove("/b.bin")
    // Two clusters do not fit the one-cluster hole: they go after c.bin, in one run.
    try volume.createFile("/d.bin", contents: pattern(2 * 512, seed: 4))
    let result = try Tools.require("mshowfat", ["-i", image, "::/d.bin"]).output
    #expect(result.contains("<7-8>"), "\(result)")
    // Appending right after the file's end extends it in place.
    try volume.append(pattern(512, seed: 5), to: "/d.bin")
    #expect(try Tools.require("mshowfat", ["-i", image, "::/d.bin"]).output.contains("<7-9>"))
    try Tools.expectClean(image, "contiguous allocation")
  }
}
