import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A running `aistick serve --http 127.0.0.1:0` with the default model, on
/// the port it picked; stopped at the end.
final class RunningServer: Sendable {
  let process = Process()
  let log: URL
  let port: Int

  init(_ arguments: [String] = [], environment: [String: String]? = nil) throws {
    _ = try Checkout.defaultModel()
    log = FileManager.default.temporaryDirectory.appendingPathComponent(
      "serve-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    process.executableURL = try Checkout.program()
    process.arguments = ["serve", "--http", "127.0.0.1:0", "--threads", "2"] + arguments
    process.currentDirectoryURL = Checkout.root
    if let environment { process.environment = environment }
    let handle = try FileHandle(forWritingTo: log)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    let marker = "serving the HTTP API on http://127.0.0.1:"
    let deadline = Date().addingTimeInterval(30)
    var line: String?
    while line == nil {
      let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
      line = text.components(separatedBy: "\n").first { $0.contains(marker) }
      guard line == nil else { break }
      guard Date() < deadline, process.isRunning else {
        process.terminate()
        throw CommandFailure(message: "the server did not start; log:\n\(text)")
      }
      usleep(50_000)
    }
    let rest = line?.components(separatedBy: marker).last ?? ""
    port = Int(rest.prefix { $0.isNumber }) ?? 0
    #expect(port > 0, "\(line ?? "")")
  }

  deinit {
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
    }
    try? FileManager.default.removeItem(at: log)
  }

  var base: String { "http://127.0.0.1:\(port)" }

  var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

  /// Stops the server as systemd would (SIGTERM) and returns its exit status.
  func stop(seconds: Double = 20) throws -> Int32 {
    process.terminate()
    try wait("the server to exit", seconds: seconds) { !self.process.isRunning }
    return process.terminationStatus
  }

  func wait(_ what: String, seconds: Double, until condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
      guard Date() < deadline, process.isRunning || what.contains("exit") else {
        throw CommandFailure(message: "timed out waiting for \(what); log:\n\(logText)")
      }
      usleep(50_000)
    }
  }

  /// `curl` against the server: the status, the headers and the body.
  func request(
    _ path: String, method: String? = nil, body: String? = nil, bodyFile: String? = nil,
    headers: [String] = [], maxTime: Int = 120
  ) throws -> HTTPReply {
    var arguments = ["-sS", "-N", "--max-time", "\(maxTime)", "-D", "-"]
    if let method { arguments += ["-X", method] }
    if let body { arguments += ["-H", "Content-Type: application/json", "--data-raw", body] }
    if let bodyFile {
      // No "Expect: 100-continue": the body is sent at once.
      arguments += [
        "-H", "Content-Type: application/json", "-H", "Expect:", "--data-binary", "@" + bodyFile,
      ]
    }
    for header in headers { arguments += ["-H", header] }
    return HTTPReply(try runCommand("curl", arguments + [base + path]))
  }
}

/// What curl received: the status line and headers (`-D -`), then the body.
struct HTTPReply {
  var status = 0
  var headers: [String: String] = [:]
  var body = ""

  init(_ result: CommandResult) {
    self.init(output: result.output)
  }

  init(output: String) {
    var parts = output.components(separatedBy: "\r\n\r\n")
    while parts.count > 1, parts[0].hasPrefix("HTTP/1.1 100") { parts.removeFirst() }
    let head = parts.first ?? ""
    body = parts.dropFirst().joined(separator: "\r\n\r\n")
    let lines = head.components(separatedBy: "\r\n")
    status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
    for line in lines.dropFirst() {
      guard let colon = line.firstIndex(of: ":") else { continue }
      headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
        .trimmingCharacters(in: .whitespaces)
    }
  }

  /// The body as a JSON object.
  var json: [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
  }

  /// The OpenAI error object in the body.
  var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }

  /// The server-sent events of a streamed body: each `data:` payload.
  var events: [String] {
    body.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map {
      $0.hasPrefix("data: ") ? String($0.dropFirst(6)) : "not an event: \($0)"
    }
  }
}

/// A curl left running in the background, its output going to a file.
final class BackgroundRequest: Sendable {
  let process = Process()
  let output: URL

  init(_ server: RunningServer, _ path: String, body: String, headers: Bool = false) throws {
    output = FileManager.default.temporaryDirectory.appendingPathComponent(
      "request-\(UUID().uuidString).out")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments =
      ["curl", "-sS", "-N", "-H", "Content-Type: application/json", "--data-raw", body]
      + (headers ? ["-D", "-"] : []) + [server.base + path]
    process.standardOutput = try FileHandle(forWritingTo: output)
    process.standardError = FileHandle.nullDevice
    try process.run()
  }

  deinit {
    if process.isRunning { disconnect() }
    try? FileManager.default.removeItem(at: output)
  }

  var text: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

  /// Closes the connection as a client that is gone does. (SIGKILL: the
  /// test runner starts programs with SIGTERM blocked.)
  func disconnect() {
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  /// What curl received, once it is done.
  var reply: HTTPReply? {
    process.isRunning ? nil : HTTPReply(output: text)
  }
}


/// A JSON string literal for `text`.
func quoted(_ text: String) -> String {
  let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
  return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
}

let question = "What is the capital of France? Answer in one sentence."

/// A chat completion request body.
func chatBody(_ content: String = question, _ extra: String = "") -> String {
  "{\"messages\":[{\"role\":\"user\",\"content\":\(quoted(content))}]"
    + (extra.isEmpty ? "" : "," + extra) + "}"
}
