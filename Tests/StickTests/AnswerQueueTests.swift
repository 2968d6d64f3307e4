import Foundation
import Stick
import Synchronization
import Testing

@testable import LLM

/// An engine that makes one piece every few milliseconds, up to `maxTokens`,
/// and notes when two answers ever overlap.
final class PacedEngine: AnswerEngine, Sendable {
  let modelName = "paced"
  let defaultSystemPrompt: String? = nil
  let templateWarning: String? = nil
  let promptMeasure: (any PromptMeasure)? = nil
  let running = Atomic<Int>(0)
  private let overlap = Atomic<Bool>(false)
  let answered = Mutex<[String]>([])

  /// Two answers ran at once.
  var overlapped: Bool { overlap.load(ordering: .sequentiallyConsistent) }

  func answer(
    _ prompt: AnswerPrompt, options: GenerationOptions, onText: (String) -> Bool
  ) -> GenerationResult {
    if running.add(1, ordering: .sequentiallyConsistent).newValue > 1 {
      overlap.store(true, ordering: .sequentiallyConsistent)
    }
    defer { running.subtract(1, ordering: .sequentiallyConsistent) }
    guard case .text(let name) = prompt else { preconditionFailure("a text prompt") }
    answered.withLock { $0.append(name) }
    var text = ""
    var stopReason = StopReason.maxTokens
    for index in 0..<options.maxTokens {
      Thread.sleep(forTimeInterval: 0.005)
      text += "\(index) "
      if !onText("\(index) ") {
        stopReason = .cancelled
        break
      }
    }
    var statistics = GenerationStatistics()
    statistics.generatedTokens = text.split(separator: " ").count
    return GenerationResult(
      text: text, tokens: [], stopReason: stopReason, statistics: statistics, seed: 0)
  }
}

/// What a ticket's events came to.
struct Collected {
  var started = false
  var text = ""
  var result: GenerationResult?
  var failure: AnswerQueueError?

  init(_ ticket: AnswerTicket) async {
    for await event in ticket.events {
      switch event {
      case .started: started = true
      case .text(let piece): text += piece
      case .finished(let result): self.result = result
      case .failed(let error): failure = error
      }
    }
  }
}

@Suite struct AnswerQueueTests {
  func options(_ tokens: Int) -> GenerationOptions { GenerationOptions(maxTokens: tokens) }

  @Test func answersOneAtATimeFirstComeFirstServed() async throws {
    let engine = PacedEngine()
    let queue = AnswerQueue(capacity: 8)
    defer { queue.close() }
    let reference = EngineReference(engine)
    let tickets = try (1...4).map {
      try queue.submit(.text("job \($0)"), options: options(5), on: reference)
    }
    for ticket in tickets {
      let collected = await Collected(ticket)
      #expect(collected.started)
      #expect(collected.text == "0 1 2 3 4 ")
      #expect(collected.result?.stopReason == .maxTokens)
    }
    #expect(engine.answered.withLock { $0 } == ["job 1", "job 2", "job 3", "job 4"])
    #expect(!engine.overlapped)
  }

  @Test func aFullQueueRefusesAndCancellingFreesTheEngine() async throws {
    let queue = AnswerQueue(capacity: 1)
    defer { queue.close() }
    let reference = EngineReference(PacedEngine())
    let long = try queue.submit(.text("long"), options: options(100_000), on: reference)
    while !queue.load.answering { try await Task.sleep(for: .milliseconds(5)) }
    let waiting = try queue.submit(.text("waiting"), options: options(2), on: reference)
    #expect(throws: AnswerQueueError.self) {
      try queue.submit(.text("refused"), options: options(2), on: reference)
    }
    do {
      _ = try queue.submit(.text("refused"), options: options(2), on: reference)
    } catch .full(let retryAfter) {
      #expect(retryAfter >= .seconds(1))
    }
    // Cancelling the waiting one takes it out; cancelling the running one stops it.
    waiting.cancel()
    #expect(await Collected(waiting).failure == .cancelled)
    #expect(queue.load.waiting == 0)
    // The long answer would take minutes; stopping says it ended early.
    long.cancel()
    let stopped = await Collected(long)
    #expect(stopped.result?.stopReason == .cancelled)
  }

  @Test func aCallerWaitsItsTurnAndRunsOnItsOwnThread() async throws {
    let engine = PacedEngine()
    let queue = AnswerQueue()
    defer { queue.close() }
    let ticket = try queue.submit(.text("first"), options: options(20), on: EngineReference(engine))
    let three = options(3)
    let answered = await withCheckedContinuation { continuation in
      Thread {
        let result = try? queue.answer(.text("second"), with: engine, options: three) { _ in true }
        continuation.resume(returning: result?.text)
      }.start()
    }
    #expect(answered == "0 1 2 ")
    #expect(await Collected(ticket).result?.stopReason == .maxTokens)
    #expect(engine.answered.withLock { $0 } == ["first", "second"])
    #expect(!engine.overlapped)
  }

  @Test func closingStopsTheAnswerAndRefusesTheRest() async throws {
    let engine = PacedEngine()
    let queue = AnswerQueue()
    let reference = EngineReference(engine)
    let running = try queue.submit(.text("running"), options: options(100_000), on: reference)
    while !queue.load.answering { try await Task.sleep(for: .milliseconds(5)) }
    let waiting = try queue.submit(.text("waiting"), options: options(2), on: reference)
    queue.close()
    #expect(await Collected(running).result?.stopReason == .cancelled)
    #expect(await Collected(waiting).failure == .closed)
    #expect(throws: AnswerQueueError.closed) {
      try queue.submit(.text("late"), options: options(2), on: reference)
    }
    #expect(throws: AnswerQueueError.closed) {
      try queue.answer(.text("late"), with: engine, options: options(2)) { _ in true }
    }
  }
}
