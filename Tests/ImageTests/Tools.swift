import Foundation

/// The outcome of running a command.
struct ToolResult {
  var status: Int32
  var output: String
  var errors: String
  var outputBytes: [UInt8]
}

/// Runs the image builder and the FAT tools that check what it built.
enum Tools {
  static let environment: [String: String] = {
    var environment = ProcessInfo.processInfo.environment
    environment["MTOOLS_SKIP_CHECK"] = "1"
    environment["LC_ALL"] = "C.UTF-8"
    return environment
  }()

  /// `image/make-image` in this checkout.
  static let makeImage = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("image/make-image").path

  static let filesFolder = URL(fileURLWithPath: makeImage).deletingLastPathComponent()
    .appendingPathComponent("files")

  @discardableResult
  static func run(_ tool: String, _ arguments: [String]) throws -> ToolResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    process.environment = environment
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read before waiting so a full pipe cannot block the tool.
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ToolResult(
      status: process.terminationStatus,
      output: String(decoding: outputData, as: UTF8.self),
      errors: String(decoding: errorData, as: UTF8.self),
      outputBytes: [UInt8](outputData))
  }

  @discardableResult
  static func require(_ tool: String, _ arguments: [String]) throws -> ToolResult {
    let result = try run(tool, arguments)
    if result.status != 0 {
      throw ToolFailure(
        message:
          "\(tool) \(arguments.joined(separator: " ")) exited \(result.status): \(result.output)\(result.errors)"
      )
    }
    return result
  }

  /// Problems `fsck.fat -n` reports: an empty list means clean.
  static func problems(_ image: String) throws -> [String] {
    let result = try run("fsck.fat", ["-n", image])
    var problems = result.output.split(separator: "\n").map(String.init).filter {
      !$0.hasPrefix("fsck.fat ") && !$0.contains(" files, ")
    }
    if result.status != 0 { problems.append("exit status \(result.status) \(result.errors)") }
    return problems
  }

  /// Every path on the volume, hidden ones too; folders end with "/".
  static func list(_ image: String) throws -> [String] {
    try require("mdir", ["-i", image, "-a", "-b", "-/", "::/"]).output
      .split(separator: "\n").map { $0.hasPrefix("::") ? String($0.dropFirst(2)) : String($0) }
  }

  static func read(_ image: String, _ path: String) throws -> [UInt8] {
    try require("mtype", ["-i", image, "::" + path]).outputBytes
  }
}

struct ToolFailure: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}

/// A temporary directory removed when the test ends.
final class Scratch {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "image-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}
