import Foundation
import LLM
import Remote
import Stick
import TestSupport
import Testing

/// The stick with a remote engine: the project's own HTTP API in a second process as the
/// server, and servers that misbehave, all real processes on loopback.
@Suite(.serialized) struct RemoteEngineTests {
  @Test func theRemoteEngineAnswersOnceItsKeyIsRight() throws {
    let server = try APIServer(["--api-key", "secret"])
    let engine = "engine_url = \(server.url)\nengine_model = SmolLM2-135M-Instruct.Q4_1\n"
    let watcher = try Watcher(settings: settings(engine))

    // No key: refused, said so, and the model on the board answers.
    try watcher.write(question, to: "first.txt")
    let first = try watcher.waitForAnswer(in: "first.txt")
    #expect(first.contains(localMarker))
    #expect(watcher.statusSays("refused the question with HTTP 401"), "\(watcher.status)")
    #expect(watcher.statusSays("check engine_key"))
    #expect(watcher.statusSays("SmolLM2-135M-Instruct.Q4_1 answered instead"))
    #expect(!watcher.status.contains("secret"))

    try (settings(engine) + "engine_key = secret\n").write(
      toFile: watcher.folder.path("SETTINGS.TXT"), atomically: true, encoding: .utf8)
    try watcher.write(question, to: "second.txt")
    let second = try watcher.waitForAnswer(in: "second.txt")
    #expect(
      second.contains("--- answer (SmolLM2-135M-Instruct.Q4_1 at 127.0.0.1:\(server.port), "),
      "\(second)")
    #expect(second.contains("Paris"))
    // The engine answered again: what was said about it is gone.
    #expect(watcher.statusSays("No problems."), "\(watcher.status)")
    #expect(watcher.statusSays("Model: SmolLM2-135M-Instruct.Q4_1 at 127.0.0.1:"))
    #expect(
      server.program.logText.contains("POST /v1/chat/completions 200"), "\(server.program.logText)")
  }

  @Test func anAddressNobodyListensOnFallsBackAtOnce() throws {
    let url = "http://127.0.0.1:\(try closedPort())/v1"
    let watcher = try Watcher(settings: settings("engine_url = \(url)"))
    let started = Date()
    try watcher.write(question, to: "q.txt")
    let text = try watcher.waitForAnswer(in: "q.txt")
    #expect(text.contains(localMarker))
    #expect(text.contains("Paris"))
    #expect(Date().timeIntervalSince(started) < 30)
    #expect(
      watcher.statusSays("the remote engine at \(url) cannot be reached (connection refused"),
      "\(watcher.status)")
    #expect(watcher.program.logText.contains("answered instead"))
  }

  @Test func aServerThatNeverAnswersTimesOut() throws {
    let silent = try FakeServer("silent")
    let watcher = try Watcher(
      settings: settings("engine_url = \(silent.url)\nengine_timeout = 2"))
    let started = Date()
    try watcher.write(question, to: "q.txt")
    let text = try watcher.waitForAnswer(in: "q.txt")
    #expect(Date().timeIntervalSince(started) >= 2)
    #expect(text.contains(localMarker))
    #expect(
      watcher.statusSays(
        "the remote engine at \(silent.url) did not answer within 2 s (engine_timeout); "
          + "SmolLM2-135M-Instruct.Q4_1 answered instead"), "\(watcher.status)")
  }

  @Test func anAnswerCutOffInTheMiddleIsTakenBackAndAnsweredOnTheBoard() throws {
    let cut = try FakeServer("cut")
    let watcher = try Watcher(settings: settings("engine_url = \(cut.url)"))
    try watcher.write(question, to: "q.txt")
    let text = try watcher.waitForAnswer(in: "q.txt")
    #expect(text.hasPrefix(question + "\n" + localMarker), "\(text)")
    #expect(!text.contains("Remote words"))
    #expect(
      watcher.statusSays(
        "the remote engine at \(cut.url) stopped in the middle of an answer; its partial answer "
          + "was taken back; SmolLM2-135M-Instruct.Q4_1 answered instead"), "\(watcher.status)")
  }

  @Test(arguments: ["long-line", "not-json"])
  func whatIsNotAStreamIsRefusedSafely(mode: String) throws {
    let fake = try FakeServer(mode)
    let watcher = try Watcher(settings: settings("engine_url = \(fake.url)"))
    try watcher.write(question, to: "q.txt")
    let text = try watcher.waitForAnswer(in: "q.txt")
    #expect(text.contains(localMarker))
    #expect(watcher.statusSays("is not an OpenAI-compatible answer"), "\(watcher.status)")
    #expect(watcher.program.process.isRunning)
  }

  /// The command line's --remote, and a real server killed while it streams an answer.
  @Test func aServerKilledWhileItAnswersIsReplacedByTheBoard() throws {
    let server = try APIServer()
    let watcher = try Watcher(
      settings: "max_tokens = 300\ntemperature = 0\n",
      arguments: ["--remote", server.url, "--remote-model", "SmolLM2-135M-Instruct.Q4_1"])
    let remoteMarker = "--- answer (SmolLM2-135M-Instruct.Q4_1 at 127.0.0.1:\(server.port), "
    try watcher.write("Write a long story about a dragon who learns to bake bread.\n", to: "q.txt")
    // Killed once some of its answer is in the file.
    try watcher.program.wait("the remote answer to start", seconds: 60) {
      let text = watcher.read("q.txt")
      guard let marker = text.range(of: remoteMarker) else { return false }
      return text[marker.upperBound...].count > 80
    }
    server.program.kill()
    let text = try watcher.waitForAnswer(in: "q.txt", seconds: 180)
    #expect(text.contains(localMarker))
    #expect(!text.contains(remoteMarker))
    #expect(watcher.statusSays("stopped in the middle of an answer"), "\(watcher.status)")
  }

  /// A caller blocks its thread while the exchange runs. Even when every thread of Swift
  /// concurrency's shared pool is such a caller, the exchanges still run and all are answered.
  @Test func callersThatFillTheSharedPoolAreAllAnswered() async throws {
    let server = try APIServer()
    let address = try #require(RemoteAddress(server.url))
    let settings = RemoteSettings(
      address: address, model: "SmolLM2-135M-Instruct.Q4_1", firstPieceTimeout: .seconds(30))
    let callers = ProcessInfo.processInfo.activeProcessorCount + 1
    let answered = await withTaskGroup(of: Bool.self) { group in
      for _ in 0..<callers {
        group.addTask {
          var sampling = SamplingOptions()
          sampling.temperature = 0
          let engine = RemoteEngine(settings: settings)
          let result = try? engine.attempt(
            .conversation([.user("Name a colour.")]),
            options: GenerationOptions(maxTokens: 4, sampling: sampling)
          ) { _ in true }
          return result != nil
        }
      }
      return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
    }
    #expect(answered == callers)
  }

  /// The engine alone, on this thread, against the real server.
  @Test func theEngineStreamsCountsAndStops() throws {
    let server = try APIServer()
    let address = try #require(RemoteAddress(server.url))
    let engine = RemoteEngine(
      settings: RemoteSettings(address: address, model: "SmolLM2-135M-Instruct.Q4_1"))
    var sampling = SamplingOptions()
    sampling.temperature = 0
    let options = GenerationOptions(maxTokens: 8, sampling: sampling)
    let prompt = AnswerPrompt.conversation([.user("Tell me about the sea.")])

    var pieces: [String] = []
    let result = try engine.attempt(prompt, options: options) {
      pieces.append($0)
      return true
    }
    #expect(pieces.count > 1)
    #expect(result.text == pieces.joined())
    #expect(result.stopReason == .maxTokens)
    #expect(result.statistics.generatedTokens == 8)
    #expect(result.statistics.promptTokens > 0)

    // Returning false stops it at once.
    var taken = 0
    let stopped = try engine.attempt(prompt, options: GenerationOptions(maxTokens: 200)) { _ in
      taken += 1
      return taken < 2
    }
    #expect(stopped.stopReason == .cancelled)
    #expect(taken == 2)

    // A model the server does not have: its own message, and what to check.
    let wrong = RemoteEngine(settings: RemoteSettings(address: address, model: "no-such-model"))
    #expect {
      _ = try wrong.attempt(prompt, options: options) { _ in true }
    } throws: { error in
      let text = "\(error)"
      return text.contains("refused the question with HTTP 404") && text.contains("no-such-model")
        && text.contains("check engine_url and engine_model")
        && !(error as! EngineFailure).afterText
    }
  }
}
