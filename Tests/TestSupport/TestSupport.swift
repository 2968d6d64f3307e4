import Foundation

/// Where things are in this checkout, for tests.
public enum Checkout {
  /// The package root (the folder holding Package.swift).
  public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// The default model that scripts/install puts in models/.
  public static let defaultModelPath = root.appendingPathComponent(
    "models/SmolLM2-135M-Instruct.Q4_1.gguf"
  ).path

  /// The built `aistick` program, beside the test bundle (or in it), or an
  /// error saying how to build it.
  public static func program() throws -> URL {
    let products = Bundle.main.bundleURL.deletingLastPathComponent()
    let candidates = [products, Bundle.main.bundleURL].map { $0.appendingPathComponent("aistick") }
    guard
      let program = candidates.first(where: {
        FileManager.default.isExecutableFile(atPath: $0.path)
      })
    else {
      throw CommandFailure(
        message: "the aistick program is not built beside the tests: run swift build --build-tests")
    }
    return program
  }

  /// The default model's path, or an error saying how to install it.
  public static func defaultModel() throws -> String {
    guard FileManager.default.fileExists(atPath: defaultModelPath) else {
      throw CommandFailure(message: "the default model is missing: run scripts/install")
    }
    return defaultModelPath
  }
}

/// What a program printed and how it ended.
public struct CommandResult: Sendable {
  public var status: Int32
  public var output: String
  public var errors: String
  public var outputBytes: [UInt8]
}

public struct CommandFailure: Error, CustomStringConvertible {
  public var message: String
  public init(message: String) { self.message = message }
  public var description: String { message }
}

/// Runs a real program: a tool found on PATH (by name) or an executable (by
/// path), with `input` on its standard input.
public func runCommand(
  _ program: String, _ arguments: [String], environment: [String: String]? = nil,
  input: String? = nil, directory: URL? = nil
) throws -> CommandResult {
  let process = Process()
  if program.contains("/") {
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
  } else {
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
  }
  if let environment { process.environment = environment }
  if let directory { process.currentDirectoryURL = directory }
  let output = Pipe()
  let errors = Pipe()
  process.standardOutput = output
  process.standardError = errors
  let standardInput = Pipe()
  process.standardInput = input == nil ? FileHandle.nullDevice : standardInput
  try process.run()
  if let input {
    standardInput.fileHandleForWriting.write(Data(input.utf8))
    try standardInput.fileHandleForWriting.close()
  }
  // Read both pipes before waiting so a full pipe cannot block the program.
  let group = DispatchGroup()
  nonisolated(unsafe) var errorData = Data()
  DispatchQueue.global().async(group: group) {
    errorData = errors.fileHandleForReading.readDataToEndOfFile()
  }
  let outputData = output.fileHandleForReading.readDataToEndOfFile()
  group.wait()
  process.waitUntilExit()
  return CommandResult(
    status: process.terminationStatus,
    output: String(decoding: outputData, as: UTF8.self),
    errors: String(decoding: errorData, as: UTF8.self),
    outputBytes: [UInt8](outputData))
}

/// Runs a program that must succeed.
@discardableResult
public func requireCommand(
  _ program: String, _ arguments: [String], environment: [String: String]? = nil
) throws -> CommandResult {
  let result = try runCommand(program, arguments, environment: environment)
  guard result.status == 0 else {
    throw CommandFailure(
      message: "\(program) \(arguments.joined(separator: " ")) exited \(result.status): "
        + result.output + result.errors)
  }
  return result
}

/// A temporary folder, removed with everything in it when the test ends.
public final class TemporaryFolder {
  public let url: URL

  public init(prefix: String = "aistick-tests") throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// The environment for mtools: no geometry check on images without a
/// partition table, and UTF-8 for long names.
public let mtoolsEnvironment: [String: String] = ProcessInfo.processInfo.environment.merging(
  ["MTOOLS_SKIP_CHECK": "1", "LC_ALL": "C.UTF-8"], uniquingKeysWith: { _, new in new })

/// What scripts/install puts outside the checkout, in the cache folder.
public enum InstalledTools {
  /// `$AISTICK_CACHE`, or `aistick` in `$XDG_CACHE_HOME` or `~/.cache`.
  public static var cacheFolder: String {
    let environment = ProcessInfo.processInfo.environment
    if let cache = environment["AISTICK_CACHE"] { return cache }
    let base = environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
    return base + "/aistick"
  }

  /// The Python that has the tests' packages (openai, gguf, numpy), or an
  /// error saying how to get it.
  public static func python() throws -> String {
    let python = cacheFolder + "/venv/bin/python"
    guard FileManager.default.isExecutableFile(atPath: python) else {
      throw CommandFailure(
        message: "the tests' Python packages are missing (\(python)): run scripts/install")
    }
    return python
  }
}
