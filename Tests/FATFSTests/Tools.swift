import FATFS
import Foundation
import SystemPackage
import TestSupport
import Testing

typealias ToolResult = CommandResult

/// Runs the real FAT tools (mkfs.fat, fsck.fat, mtools) so the library is checked against
/// them rather than against itself.
enum Tools {
  /// Times in UTC, as the volumes under test write them.
  static let environment = mtoolsEnvironment.merging(["TZ": "UTC"]) { _, new in new }

  @discardableResult
  static func run(_ tool: String, _ arguments: [String]) throws -> ToolResult {
    try runCommand(tool, arguments, environment: environment)
  }

  /// Runs a tool that must succeed.
  @discardableResult
  static func require(_ tool: String, _ arguments: [String]) throws -> ToolResult {
    try requireCommand(tool, arguments, environment: environment)
  }

  /// `fsck.fat -n` output; status 0 means clean.
  static func check(_ image: String) throws -> ToolResult {
    try run("fsck.fat", ["-n", image])
  }

  /// Fails the test when fsck.fat finds anything wrong with `image`.
  static func expectClean(
    _ image: String, _ context: String = "", sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let result = try check(image)
    // A clean run prints only the version line and the summary line.
    let problems = result.output.split(separator: "\n").filter {
      !$0.hasPrefix("fsck.fat ") && !$0.contains(" files, ")
    }
    #expect(
      result.status == 0 && problems.isEmpty && result.errors.isEmpty,
      "fsck.fat -n after \(context): \(result.output)\(result.errors)",
      sourceLocation: sourceLocation)
  }

  /// Every path on the volume as mtools lists it: folders end with "/".
  static func list(_ image: String) throws -> Set<String> {
    let result = try require("mdir", ["-i", image, "-b", "-/", "::/"])
    return Set(
      result.output.split(separator: "\n").map { line in
        var text = String(line)
        if text.hasPrefix("::") { text.removeFirst(2) }
        return text
      })
  }

  static func read(_ image: String, _ path: String) throws -> [UInt8] {
    try require("mtype", ["-i", image, "::" + path]).outputBytes
  }

  /// Copies `contents` into the image at `path` with mcopy.
  static func copy(_ contents: [UInt8], to path: String, image: String, scratch: URL) throws {
    let source = scratch.appendingPathComponent("mcopy-source-\(UUID().uuidString)")
    try Data(contents).write(to: source)
    defer { try? FileManager.default.removeItem(at: source) }
    try require("mcopy", ["-i", image, source.path, "::" + path])
  }

  /// The mdir line of one entry (a short-name line with size, date and time).
  static func directoryLine(_ image: String, _ path: String) throws -> String {
    try require("mdir", ["-i", image, "::" + path]).output
  }
}

/// A temporary folder for one test.
typealias Scratch = TemporaryFolder

extension TemporaryFolder {
  /// A fresh image made by mkfs.fat: `fat` is 12, 16 or 32, `sectorsPerCluster` the cluster
  /// size in 512-byte sectors.
  func makeImage(
    _ name: String = "disk.img", megabytes: Int, fat: Int, sectorsPerCluster: Int,
    label: String = "TESTVOL"
  ) throws -> String {
    let image = path(name)
    _ = FileManager.default.createFile(atPath: image, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: image))
    try handle.truncate(atOffset: UInt64(megabytes) * 1024 * 1024)
    try handle.close()
    try Tools.require(
      "mkfs.fat",
      ["-F", "\(fat)", "-s", "\(sectorsPerCluster)", "-n", label, "-i", "12345678", image])
    return image
  }
}

/// Formats that cover the three FAT types and several cluster sizes.
struct Format: CustomStringConvertible, Sendable {
  var fat: Int
  var megabytes: Int
  var sectorsPerCluster: Int
  var description: String { "FAT\(fat) \(megabytes)M \(sectorsPerCluster * 512)B clusters" }

  static let all: [Format] = [
    Format(fat: 12, megabytes: 2, sectorsPerCluster: 1),
    Format(fat: 12, megabytes: 4, sectorsPerCluster: 4),
    Format(fat: 16, megabytes: 16, sectorsPerCluster: 1),
    Format(fat: 16, megabytes: 32, sectorsPerCluster: 4),
    Format(fat: 32, megabytes: 40, sectorsPerCluster: 1),
    Format(fat: 32, megabytes: 300, sectorsPerCluster: 8),
  ]
}

/// A fixed instant: 2024-03-05 14:27:38.46 UTC; the tests run with TZ=UTC for the tools.
let fixedDate = Date(timeIntervalSince1970: 1_709_648_858.46)

extension Volume {
  /// A volume with a fixed clock and UTC time stamps, so results can be compared with mtools.
  static func testing(_ image: String) throws -> Volume {
    let volume = try Volume(path: FilePath(image))
    volume.clock = { fixedDate }
    volume.timeZone = TimeZone(identifier: "UTC")!
    return volume
  }
}

/// Deterministic pseudo-random numbers (SplitMix64), so failures can be replayed.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func pattern(_ count: Int, seed: Int) -> [UInt8] {
  (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ ($0 >> 8)) }
}
