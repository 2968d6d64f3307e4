import Foundation
import TestSupport
import Testing

/// The HTTP API as clients see it: the real program on loopback with the
/// real default model, driven by the openai Python package and by curl.
@Suite(.serialized) struct ServerTests {
  @Test func theOpenAIPackageIsAnsweredAsByOpenAI() throws {
    let python = try InstalledTools.python()
    let server = try RunningServer()
    let run = try runCommand(
      python, [Checkout.root.path + "/Tests/ServerTests/openai_client.py", server.base + "/v1"])
    let lines = run.output.split(separator: "\n")
    #expect(run.status == 0, "\(run.output)\(run.errors)\nserver log:\n\(server.logText)")
    #expect(lines.count == 12, "\(run.output)")
    for line in lines { #expect(line.hasPrefix("ok "), "\(line)") }
  }

  @Test func streamsServerSentEvents() throws {
    let server = try RunningServer()
    let chat = try server.request(
      "/v1/chat/completions",
      body: chatBody(
        question, "\"temperature\":0,\"stream\":true,\"stream_options\":{\"include_usage\":true}"))
    #expect(chat.status == 200)
    #expect(chat.headers["content-type"] == "text/event-stream")
    #expect(chat.body.hasSuffix("\n\ndata: [DONE]\n\n"), "\(chat.body)")
    let events = chat.events
    #expect(events.last == "[DONE]")
    let chunks = events.dropLast().map {
      (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:]
    }
    #expect(chunks.count >= 5, "\(events)")
    #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
    func delta(_ chunk: [String: Any]) -> [String: Any] {
      ((chunk["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]) ?? [:]
    }
    #expect(delta(chunks[0])["role"] as? String == "assistant")
    let text = chunks.compactMap { delta($0)["content"] as? String }.joined()
    #expect(text == "The capital of France is Paris.")
    let finish = chunks.dropLast().last?["choices"] as? [[String: Any]]
    #expect(finish?.first?["finish_reason"] as? String == "stop")
    let usage = chunks.last?["usage"] as? [String: Any]
    #expect(usage?["completion_tokens"] as? Int == 7, "\(chunks.last ?? [:])")

    let completion = try server.request(
      "/v1/completions",
      body: "{\"prompt\":\"Once upon a time\",\"max_tokens\":5,\"temperature\":0,\"stream\":true}")
    #expect(completion.status == 200)
    #expect(completion.events.last == "[DONE]")
    #expect(completion.events.dropLast().allSatisfy { $0.contains("\"text_completion\"") })
  }

  @Test func answersClientsOneAtATime() throws {
    let server = try RunningServer()
    let replies = Replies()
    DispatchQueue.concurrentPerform(iterations: 3) { index in
      let reply = try? server.request(
        "/v1/chat/completions", body: chatBody(question, "\"temperature\":0"))
      replies.set(index, reply)
    }
    for reply in replies.all {
      #expect(reply?.status == 200)
      let choice = (reply?.json["choices"] as? [[String: Any]])?.first
      let content = (choice?["message"] as? [String: Any])?["content"] as? String
      #expect(content == "The capital of France is Paris.", "\(reply?.body ?? "no reply")")
    }
    #expect(server.logText.contains("after waiting"), "\(server.logText)")
  }

  @Test func aFullQueueAnswers429AndAClientThatLeavesFreesTheEngine() throws {
    let server = try RunningServer(["--max-queue", "1"])
    let story = try BackgroundRequest(
      server, "/v1/chat/completions",
      body: chatBody("Write a long story about a dragon.", "\"max_tokens\":500,\"stream\":true"))
    try server.wait("the story to start", seconds: 60) {
      story.text.contains("\"content\":\"") && !story.text.contains("[DONE]")
    }
    // The engine is busy with the story: one request may wait, the next is refused.
    let body = chatBody(question, "\"temperature\":0,\"max_tokens\":16")
    let requests = try (0..<2).map { _ in
      try BackgroundRequest(server, "/v1/chat/completions", body: body, headers: true)
    }
    try server.wait("one request to be refused", seconds: 30) {
      requests.contains { $0.reply != nil }
    }
    // The story's client goes away: the waiting request is answered at once.
    story.disconnect()
    try server.wait("the story to be cancelled", seconds: 10) {
      server.logText.contains("cancelled: the client went away")
    }
    try server.wait("the waiting request's answer", seconds: 60) {
      requests.allSatisfy { $0.reply != nil }
    }
    let replies = requests.compactMap(\.reply)
    #expect(replies.map(\.status).sorted() == [200, 429], "\(server.logText)")
    let refused = replies.first { $0.status == 429 }
    #expect(Int(refused?.headers["retry-after"] ?? "") ?? 0 >= 1)
    #expect(refused?.error["code"] as? String == "queue_full")
    #expect(refused?.error["type"] as? String == "rate_limit_error")
    let answered = replies.first { $0.status == 200 }
    #expect(answered?.body.contains("The capital of France is Paris.") == true)
    #expect(!story.text.contains("[DONE]"))
  }

  @Test func aClientThatLeavesWhileWaitingIsTakenOutOfTheQueue() throws {
    let server = try RunningServer()
    let story = try BackgroundRequest(
      server, "/v1/chat/completions",
      body: chatBody("Write a long story about a dragon.", "\"max_tokens\":300,\"stream\":true"))
    try server.wait("the story to start", seconds: 60) { story.text.contains("\"content\":\"") }
    let waiting = try BackgroundRequest(
      server, "/v1/chat/completions", body: chatBody(question, "\"max_tokens\":16"))
    try server.wait("the second request to wait", seconds: 10) {
      (try? server.request("/health"))?.json["waiting"] as? Int == 1
    }
    waiting.disconnect()
    try server.wait("the waiting request to leave the queue", seconds: 10) {
      (try? server.request("/health"))?.json["waiting"] as? Int == 0
    }
    #expect(server.logText.contains("cancelled: the client went away (0 tokens made)"))
    story.disconnect()
    try server.wait("the engine to be free", seconds: 10) {
      (try? server.request("/health"))?.json["answering"] as? Bool == false
    }
    let next = try server.request(
      "/v1/chat/completions", body: chatBody(question, "\"temperature\":0"))
    #expect(next.status == 200)
  }

  @Test(arguments: [
    ("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}", 400, "invalid_json", ""),
    ("[1,2]", 400, "invalid_type", ""),
    ("{}", 400, "missing_required_parameter", "messages"),
    ("{\"messages\":\"hi\"}", 400, "invalid_type", "messages"),
    ("{\"messages\":[]}", 400, "invalid_value", "messages"),
    (
      "{\"messages\":[{\"content\":\"hi\"}]}", 400, "missing_required_parameter",
      "messages[0].role"
    ),
    (
      "{\"messages\":[{\"role\":\"user\",\"content\":42}]}", 400, "invalid_type",
      "messages[0].content"
    ),
    (
      "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}", 400,
      "invalid_value", "messages[0].content[0].type"
    ),
    (
      "{\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}", 400, "invalid_value",
      "messages[0].role"
    ),
    (chatBody(question, "\"max_tokens\":\"many\""), 400, "invalid_type", "max_tokens"),
    (chatBody(question, "\"max_tokens\":0"), 400, "invalid_value", "max_tokens"),
    (chatBody(question, "\"temperature\":-1"), 400, "invalid_value", "temperature"),
    (chatBody(question, "\"top_p\":true"), 400, "invalid_type", "top_p"),
    (chatBody(question, "\"stream\":\"yes\""), 400, "invalid_type", "stream"),
    (chatBody(question, "\"stop\":[1]"), 400, "invalid_type", "stop"),
    (chatBody(question, "\"n\":2"), 400, "invalid_value", "n"),
    (chatBody(question, "\"seed\":1.5"), 400, "invalid_type", "seed"),
    (chatBody(question, "\"model\":\"gpt-4o\""), 404, "model_not_found", "model"),
    (
      chatBody(String(repeating: "word ", count: 3000)), 400, "context_length_exceeded",
      "messages"
    ),
  ])
  func malformedChatRequestsGetOpenAIErrors(
    body: String, status: Int, code: String, param: String
  ) throws {
    let server = try RunningServer()
    let reply = try server.request("/v1/chat/completions", body: body)
    #expect(reply.status == status, "\(reply.body)")
    #expect(reply.headers["content-type"] == "application/json")
    #expect(reply.error["code"] as? String == code, "\(reply.body)")
    #expect((reply.error["param"] as? String ?? "") == param, "\(reply.body)")
    #expect((reply.error["message"] as? String ?? "").count > 10)
    #expect(reply.error["type"] as? String == "invalid_request_error")
    #expect(try server.request("/health").status == 200)
  }

  @Test func everyOtherBadRequestIsRefusedAndTheServerKeepsRunning() throws {
    let server = try RunningServer()
    let folder = try TemporaryFolder()
    let huge = folder.path("huge.json")
    try Data(chatBody(String(repeating: "a", count: 2 << 20)).utf8).write(
      to: URL(fileURLWithPath: huge))
    let tooLarge = try server.request("/v1/chat/completions", bodyFile: huge)
    #expect(tooLarge.status == 413)
    #expect(tooLarge.error["code"] as? String == "request_too_large")

    let unknown = try server.request("/v1/embeddings", body: "{}")
    #expect(unknown.status == 404)
    #expect(unknown.error["code"] as? String == "unknown_url")
    #expect(try server.request("/v1/chat/completions").status == 404)

    let completion = try server.request("/v1/completions", body: "{\"prompt\":7}")
    #expect(completion.status == 400)
    #expect(completion.error["param"] as? String == "prompt")
    let noPrompt = try server.request("/v1/completions", body: "{\"max_tokens\":3}")
    #expect(noPrompt.error["code"] as? String == "missing_required_parameter")
    let binary = try server.request("/v1/chat/completions", body: "\u{1}\u{2}garbage")
    #expect(binary.status == 400)

    let health = try server.request("/health")
    #expect(health.status == 200)
    #expect(health.json["status"] as? String == "ok")
    #expect(try server.stop() == 0)
    #expect(server.logText.contains("POST /v1/chat/completions 413"))
  }

  @Test func anAPIKeyIsRequiredOnceGiven() throws {
    let server = try RunningServer(["--api-key", "sesame"])
    let missing = try server.request("/v1/models")
    #expect(missing.status == 401)
    #expect(missing.error["code"] as? String == "missing_api_key")
    let wrong = try server.request("/v1/models", headers: ["Authorization: Bearer open"])
    #expect(wrong.status == 401)
    #expect(wrong.error["code"] as? String == "invalid_api_key")
    let right = try server.request("/v1/models", headers: ["Authorization: Bearer sesame"])
    #expect(right.status == 200)
    #expect(try server.request("/health").status == 200)

    var environment = ProcessInfo.processInfo.environment
    environment["AISTICK_API_KEY"] = "from-the-environment"
    let fromEnvironment = try RunningServer(environment: environment)
    #expect(try fromEnvironment.request("/v1/models").status == 401)
    let allowed = try fromEnvironment.request(
      "/v1/models", headers: ["Authorization: Bearer from-the-environment"])
    #expect(allowed.status == 200)
  }

  @Test func anOpenAddressNeedsAKey() throws {
    let executable = try Checkout.program()
    var environment = ProcessInfo.processInfo.environment
    environment["AISTICK_API_KEY"] = nil
    let run = try runCommand(
      executable.path, ["serve", "--http", "0.0.0.0:0"], environment: environment,
      directory: Checkout.root)
    #expect(run.status != 0)
    #expect(run.errors.contains("can be reached from other machines"), "\(run.errors)")
    let bad = try runCommand(executable.path, ["serve", "--http", "localhost"])
    #expect(bad.status != 0)
    #expect(bad.errors.contains("is not HOST:PORT"), "\(bad.errors)")
  }

  @Test func aStopEndsTheAnswersInFlight() throws {
    let server = try RunningServer()
    let story = try BackgroundRequest(
      server, "/v1/chat/completions",
      body: chatBody("Write a long story about a dragon.", "\"max_tokens\":500,\"stream\":true"))
    try server.wait("the story to start", seconds: 60) { story.text.contains("\"content\":\"") }
    #expect(try server.stop() == 0)
    story.process.waitUntilExit()
    #expect(story.text.contains("server_stopping"), "\(story.text)")
    #expect(server.logText.contains("stopped: the server is stopping"))
    #expect(server.logText.hasSuffix("stopped\n"))
  }

  @Test func foldersAndHTTPShareOneModel() throws {
    let folder = try TemporaryFolder()
    try Data("max_tokens = 24\ntemperature = 0\n".utf8).write(
      to: URL(fileURLWithPath: folder.path("SETTINGS.TXT")))
    let server = try RunningServer(["--folder", folder.url.path, "--quiet", "300"])
    try Data((question + "\n").utf8).write(to: URL(fileURLWithPath: folder.path("q.txt")))
    let reply = try server.request(
      "/v1/chat/completions", body: chatBody(question, "\"temperature\":0"))
    #expect(reply.status == 200)
    try server.wait("the file's answer", seconds: 60) {
      ((try? String(contentsOfFile: folder.path("q.txt"), encoding: .utf8)) ?? "")
        .hasSuffix("--- end\n")
    }
    let file = try String(contentsOfFile: folder.path("q.txt"), encoding: .utf8)
    #expect(file.contains("The capital of France is Paris."), "\(file)")
  }
}

/// Replies collected from several threads.
final class Replies: @unchecked Sendable {
  // `@unchecked`: every access holds the lock.
  private let lock = NSLock()
  private var replies: [Int: HTTPReply] = [:]

  func set(_ index: Int, _ reply: HTTPReply?) {
    lock.withLock { replies[index] = reply }
  }

  var all: [HTTPReply?] { lock.withLock { (0..<3).map { replies[$0] } } }
}
