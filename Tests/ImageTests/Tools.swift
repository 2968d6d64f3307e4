import Foundation
import TestSupport

typealias ToolResult = CommandResult

/// Runs the image builder and the FAT tools that check what it built.
enum Tools {
  static let environment = mtoolsEnvironment

  /// `image/make-image` in this checkout.
  static let makeImage = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("image/make-image").path

  static let filesFolder = URL(fileURLWithPath: makeImage).deletingLastPathComponent()
    .appendingPathComponent("files")

  @discardableResult
  static func run(_ tool: String, _ arguments: [String]) throws -> ToolResult {
    try runCommand(tool, arguments, environment: environment)
  }

  /// Runs a tool that must succeed.
  @discardableResult
  static func require(_ tool: String, _ arguments: [String]) throws -> ToolResult {
    try requireCommand(tool, arguments, environment: environment)
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

/// A temporary folder for one test.
typealias Scratch = TemporaryFolder
