import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A program the tests start: its output goes to a file; it is killed at the end.
final class Started {
  let process = Process()
  let log: URL

  init(_ executable: URL, _ arguments: [String]) throws {
    log = FileManager.default.temporaryDirectory.appendingPathComponent(
      "remote-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = Checkout.root
    let handle = try FileHandle(forWritingTo: log)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
  }

  deinit {
    kill()
    try? FileManager.default.removeItem(at: log)
  }

  var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

  /// Ends it at once, as a crash or a power cut would. (The test runner starts programs with
  /// SIGTERM blocked.)
  func kill() {
    guard process.isRunning else { return }
    Glibc.kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  func wait(_ what: String, seconds: Double, until condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
      guard Date() < deadline, process.isRunning else {
        throw CommandFailure(message: "timed out waiting for \(what); log:\n\(logText)")
      }
      usleep(50_000)
    }
  }
}


/// `aistick serve --http` on a free loopback port with the default model: the remote engine.
final class APIServer {
  let program: Started
  let port: Int

  init(_ arguments: [String] = []) throws {
    _ = try Checkout.defaultModel()
    let program = try Started(
      try Checkout.program(),
      ["serve", "--http", "127.0.0.1:0", "--threads", "1"] + arguments)
    let marker = "serving the HTTP API on http://127.0.0.1:"
    try program.wait("the server to start", seconds: 30) { program.logText.contains(marker) }
    self.program = program
    let rest = program.logText.components(separatedBy: marker).last ?? ""
    port = Int(rest.prefix { $0.isNumber }) ?? 0
  }

  var url: String { "http://127.0.0.1:\(port)/v1" }
}

/// One of the misbehaving servers in fake_server.py.
final class FakeServer {
  let program: Started
  let port: Int

  init(_ mode: String) throws {
    let script = Checkout.root.appendingPathComponent("Tests/RemoteTests/fake_server.py").path
    let program = try Started(
      URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-u", script, mode])
    try program.wait("the \(mode) server to start", seconds: 10) {
      program.logText.contains("\n")
    }
    self.program = program
    port = Int(program.logText.prefix { $0.isNumber }) ?? 0
  }

  var url: String { "http://127.0.0.1:\(port)/v1" }
}

/// A loopback port nothing listens on: bound for a moment, then closed.
func closedPort() throws -> Int {
  let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  defer { close(descriptor) }
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_addr.s_addr = inet_addr("127.0.0.1")
  address.sin_port = 0
  var length = socklen_t(MemoryLayout<sockaddr_in>.size)
  let bound = withUnsafeMutablePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
      bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
    }
  }
  try #require(bound)
  return Int(UInt16(bigEndian: address.sin_port))
}

/// `aistick watch` on a temporary folder with the settings given.
final class Watcher {
  let folder: TemporaryFolder
  let program: Started

  init(settings: String, arguments: [String] = []) throws {
    folder = try TemporaryFolder(prefix: "remote-watch")
    try settings.write(toFile: folder.path("SETTINGS.TXT"), atomically: true, encoding: .utf8)
    let program = try Started(
      try Checkout.program(),
      ["watch", "--quiet", "300", "--threads", "1"] + arguments + [folder.url.path])
    try program.wait("the watcher to start", seconds: 30) {
      program.logText.contains("watching ")
    }
    self.program = program
  }

  func write(_ text: String, to name: String) throws {
    try text.write(toFile: folder.path(name), atomically: true, encoding: .utf8)
  }

  func read(_ name: String) -> String {
    (try? String(contentsOfFile: folder.path(name), encoding: .utf8)) ?? ""
  }

  /// Waits for the one complete answer in `name`, and returns the file.
  @discardableResult
  func waitForAnswer(in name: String, seconds: Double = 120) throws -> String {
    try program.wait("the answer in \(name)", seconds: seconds) {
      read(name).hasSuffix("--- end\n")
    }
    let text = read(name)
    #expect(text.components(separatedBy: "--- answer (").count == 2, "\(text)")
    return text
  }

  var status: String { read("STATUS.TXT") }

  /// Whether STATUS.TXT comes to hold `phrase`: it is written just after the answer.
  func statusSays(_ phrase: String, seconds: Double = 10) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while !status.contains(phrase) {
      guard Date() < deadline else { return false }
      usleep(50_000)
    }
    return true
  }
}

let localMarker = "--- answer (SmolLM2-135M-Instruct.Q4_1, "
let question = "What is the capital of France? Answer in one sentence.\n"

func settings(_ engine: String) -> String {
  "max_tokens = 24\ntemperature = 0\n" + engine + "\n"
}
