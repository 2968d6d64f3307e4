import LLM
import NIOCore
import Stick
import Synchronization

/// How a queued answer ended for one request.
struct AnswerOutcome: Sendable {
  enum Ending: Sendable, Equatable {
    case finished(FinishReason)
    /// The client closed the connection; the answer was cancelled.
    case clientLeft
    /// The queue closed: the server is stopping.
    case stopping
  }

  var ending: Ending
  var usage: Usage
  var waited: Duration

  /// What the log line says about it.
  var note: String {
    let tokens = "\(usage.completionTokens) token\(usage.completionTokens == 1 ? "" : "s")"
    switch ending {
    case .finished(let reason):
      return "\(tokens), \(reason.rawValue)"
        + (waited >= .milliseconds(100)
          ? ", after waiting " + String(format: "%.1f s", waited.inSeconds) : "")
    case .clientLeft:
      return "cancelled: the client went away (\(tokens) made)"
    case .stopping:
      return "stopped: the server is stopping (\(tokens) made)"
    }
  }
}

/// Reads a queued answer for one request: cuts it at the stop sequences, and
/// cancels it as soon as the client closes the connection, whether it is
/// still waiting or being made, so the engine is free for the next one.
struct AnswerReader: Sendable {
  let ticket: AnswerTicket
  let stopSequences: [String]

  /// Reads the answer to its end, giving `send` the text to pass on, while
  /// watching the request's connection.
  func read(
    watching connection: any Channel, send: (String) async throws -> Void
  ) async throws -> AnswerOutcome {
    let ticket = self.ticket
    let clientLeft = Flag()
    return try await ConnectionWatch.whileOpen(connection) {
      clientLeft.set()
      ticket.cancel()
    } _: {
      var filter = StopSequenceFilter(stopSequences)
      var result: GenerationResult?
      var failure: AnswerQueueError?
      var waited = Duration.zero
      do {
        for await event in ticket.events {
          switch event {
          case .started(let time):
            waited = time
          case .text(let piece):
            let text = filter.take(piece)
            if !text.isEmpty { try await send(text) }
            if filter.stopped { ticket.cancel() }
          case .finished(let finished):
            result = finished
          case .failed(let error):
            failure = error
          }
        }
        let ending = Self.ending(
          result: result, failure: failure, stopped: filter.stopped, clientLeft: clientLeft.isSet)
        if case .finished = ending {
          let rest = filter.finish()
          if !rest.isEmpty { try await send(rest) }
        }
        let statistics = result?.statistics
        return AnswerOutcome(
          ending: ending,
          usage: Usage(
            promptTokens: statistics?.promptTokens ?? 0,
            completionTokens: statistics?.generatedTokens ?? 0),
          waited: waited)
      } catch {
        // Sending failed: the client is gone.
        ticket.cancel()
        throw error
      }
    }
  }

  /// Reads the whole answer: its text and how it ended.
  func readAll(watching connection: any Channel) async throws -> (
    text: String, outcome: AnswerOutcome
  ) {
    let text = TextCollector()
    let outcome = try await read(watching: connection) { text.append($0) }
    return (text.value, outcome)
  }

  private static func ending(
    result: GenerationResult?, failure: AnswerQueueError?, stopped: Bool, clientLeft: Bool
  ) -> AnswerOutcome.Ending {
    if stopped { return .finished(.stop) }
    guard let result else {
      // Taken out of the queue before its turn: by the client leaving, or
      // by the queue closing.
      return failure == .closed ? .stopping : .clientLeft
    }
    switch result.stopReason {
    case .endOfGeneration: return .finished(.stop)
    case .maxTokens, .contextFull: return .finished(.length)
    case .cancelled: return clientLeft ? .clientLeft : .stopping
    }
  }
}

/// Collects the pieces of an answer.
final class TextCollector: Sendable {
  private let text = Mutex("")

  func append(_ piece: String) { text.withLock { $0 += piece } }
  var value: String { text.withLock { $0 } }
}

/// A flag set once from any thread.
final class Flag: Sendable {
  private let value = Atomic<Bool>(false)

  func set() { value.store(true, ordering: .relaxed) }
  var isSet: Bool { value.load(ordering: .relaxed) }
}
