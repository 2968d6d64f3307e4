import FATFS
import Foundation
import SystemPackage
import Testing

/// image/make-image builds the drive the person sees.
@Suite struct ImageTests {
  static let expectedPaths = [
    "/README.TXT", "/SETTINGS.TXT", "/HELLO.TXT", "/MODELS/", "/.metadata_never_index",
    "/.fseventsd/", "/.fseventsd/no_log",
  ]

  /// The builder's output for `arguments`; the image is at `scratch/stick.img`.
  static func build(_ scratch: Scratch, _ arguments: [String] = []) throws -> ToolResult {
    try Tools.run(Tools.makeImage, [scratch.path("stick.img")] + arguments)
  }

  static func withCRLF(_ name: String) throws -> [UInt8] {
    let text = try String(
      contentsOf: Tools.filesFolder.appendingPathComponent(name), encoding: .utf8)
    return Array(
      text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        .utf8)
  }

  @Test func theDefaultImageHoldsExactlyTheDriveFiles() throws {
    let scratch = try Scratch()
    let result = try Self.build(scratch)
    #expect(result.status == 0, "\(result.errors)")
    let image = scratch.path("stick.img")
    #expect(try Tools.problems(image) == [])
    #expect(try Tools.list(image) == Self.expectedPaths)
    for name in ["README.TXT", "SETTINGS.TXT", "HELLO.TXT"] {
      let contents = try Tools.read(image, "/" + name)
      #expect(contents == (try Self.withCRLF(name)), "\(name)")
      // Every line ends in CRLF; no bare LF.
      let text = String(decoding: contents, as: UTF8.self)
      #expect(
        text.hasSuffix("\r\n") && !text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }
    #expect(try Tools.read(image, "/.fseventsd/no_log").isEmpty)
    #expect(try Tools.read(image, "/.metadata_never_index").isEmpty)

    let volume = try Volume(path: FilePath(image), writable: false)
    #expect(volume.fatType == .fat32)
    #expect(volume.bootSector.volumeSize == 64 * 1024 * 1024)
    let snapshot = try volume.snapshot()
    #expect(snapshot.label == "AISTICK")
    #expect(snapshot["/.metadata_never_index"]?.attributes.contains(.hidden) == true)
    #expect(snapshot["/MODELS"]?.isDirectory == true)
    #expect(try volume.listDirectory("/MODELS").isEmpty)
    #expect(try volume.isDirty() == false)
  }

  static func bytes(_ size: String) -> Int64 {
    let number = Int64(size.dropLast())!
    return size.hasSuffix("G") ? number << 30 : number << 20
  }

  @Test func theSettingsFileDocumentsEveryKey() throws {
    let text = String(decoding: try Self.withCRLF("SETTINGS.TXT"), as: UTF8.self)
    var values: [String: String] = [:]
    for line in text.components(separatedBy: "\r\n") {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
      let parts = trimmed.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      #expect(parts.count == 2, "not a key = value line: \(line)")
      values[parts[0].trimmingCharacters(in: .whitespaces)] =
        parts.count == 2 ? parts[1].trimmingCharacters(in: .whitespaces) : nil
    }
    #expect(
      values == [
        "model": "SmolLM2-135M-Instruct.Q4_1.gguf", "system_prompt": "", "max_tokens": "256",
        "temperature": "0.7", "top_p": "0.95", "seed": "", "language": "",
        "engine_url": "", "engine_model": "", "engine_key": "", "engine_timeout": "60",
        "engine_connect_timeout": "5", "engine_idle_timeout": "30",
      ])
  }

  @Test func theReadmeExplainsTheConventions() throws {
    let text = String(decoding: try Self.withCRLF("README.TXT"), as: UTF8.self)
    for phrase in [
      "--- answer", "--- end", "STATUS.TXT", "SETTINGS.TXT", "MODELS", ".gguf", ".txt",
    ] {
      #expect(text.contains(phrase), "README.TXT should mention \(phrase)")
    }
    // Plain text that every editor shows: ASCII only, short lines.
    #expect(text.utf8.allSatisfy { $0 < 0x80 })
    #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 })
  }

  @Test(arguments: [
    ("8M", FATType.fat16), ("32M", .fat16), ("33M", .fat32), ("300M", .fat32), ("4G", .fat32),
  ])
  func sizesFrom8MTo4GWork(size: String, type: FATType) throws {
    let scratch = try Scratch()
    let result = try Self.build(scratch, ["--size", size, "--label", "my stick"])
    #expect(result.status == 0, "\(result.errors)")
    let image = scratch.path("stick.img")
    #expect(try Tools.problems(image) == [])
    #expect(try Tools.list(image) == Self.expectedPaths)
    let volume = try Volume(path: FilePath(image), writable: false)
    #expect(volume.fatType == type)
    #expect(try volume.snapshot().label == "MY STICK")
    // The file has the size asked for; the volume fills it but for less than a cluster run.
    let attributes = try FileManager.default.attributesOfItem(atPath: image)
    let fileSize = try #require((attributes[.size] as? NSNumber)?.int64Value)
    #expect(fileSize == Self.bytes(size))
    #expect(volume.bootSector.volumeSize <= fileSize)
    #expect(volume.bootSector.volumeSize > fileSize - 64 * 1024)
    // Sparse: even a 4G image takes only the space its metadata and files need.
    let blocks = try Tools.require("stat", ["--format=%b", image]).output
    #expect((Int(blocks.trimmingCharacters(in: .whitespacesAndNewlines)) ?? .max) * 512 < 16 << 20)
  }

  @Test(arguments: [
    (["--size", "7M"], "too small"),
    (["--size", "4097M"], "too large"),
    (["--size", "5G"], "too large"),
    (["--size", "99999999999999999999"], "too large"),
    (["--size", "lots"], "cannot read the size"),
    (["--label", "bad*label"], "cannot be used"),
    (["--label", "twelve chars"], "cannot be used"),
  ])
  func badArgumentsGiveClearErrors(arguments: [String], message: String) throws {
    let scratch = try Scratch()
    let result = try Self.build(scratch, arguments)
    #expect(result.status == 1)
    #expect(result.errors.contains(message), "\(result.errors)")
    #expect(!FileManager.default.fileExists(atPath: scratch.path("stick.img")))
    #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).isEmpty)
  }

  @Test func anExistingFileIsKeptUnlessForced() throws {
    let scratch = try Scratch()
    try Data("keep".utf8).write(to: URL(fileURLWithPath: scratch.path("stick.img")))
    let refused = try Self.build(scratch, ["--size", "8M"])
    #expect(refused.status == 1 && refused.errors.contains("already exists"))
    #expect(
      try Data(contentsOf: URL(fileURLWithPath: scratch.path("stick.img"))) == Data("keep".utf8))
    #expect(try Self.build(scratch, ["--size", "8M", "--force"]).status == 0)
    #expect(try Tools.problems(scratch.path("stick.img")) == [])
  }

  @Test func theStickCanAnswerOnTheBuiltImage() throws {
    let scratch = try Scratch()
    #expect(try Self.build(scratch).status == 0)
    let image = scratch.path("stick.img")
    let volume = try Volume(path: FilePath(image))
    let question = try volume.readFile("/HELLO.TXT")
    let answer = Array("\r\n--- answer\r\nThe Moon has moonquakes.\r\n--- end\r\n".utf8)
    try volume.append(answer, to: "/hello.txt")
    try volume.createFile("/STATUS.TXT", contents: Array("Waiting for a question.\r\n".utf8))
    try volume.clearDirtyBit()
    try volume.synchronize()
    #expect(try Tools.problems(image) == [])
    #expect(try Tools.read(image, "/HELLO.TXT") == question + answer)
    #expect(Set(try Tools.list(image)) == Set(Self.expectedPaths + ["/STATUS.TXT"]))
  }
}
