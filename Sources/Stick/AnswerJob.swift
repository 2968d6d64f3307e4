import Dispatch
import LLM
import Synchronization

/// One place in an `AnswerQueue`.
final class AnswerJob: Sendable {
  enum Work: Sendable {
    /// Answered on the queue's worker; the events go to a ticket.
    case onWorker(
      EngineReference, AnswerPrompt, GenerationOptions, AsyncStream<AnswerEvent>.Continuation)
    /// Answered by a thread that waits for its turn and runs its engine
    /// itself: `turn` is signalled when the engine is its, and it signals
    /// `done` when it lets go.
    case onCaller(turn: DispatchSemaphore, done: DispatchSemaphore)
  }

  let work: Work
  let queued = ContinuousClock.now
  private let cancelled = Atomic<Bool>(false)
  /// Why the job was taken out before it ran, for a caller that waits.
  private let refusal = Mutex<AnswerQueueError?>(nil)

  init(_ work: Work) {
    self.work = work
  }

  var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

  /// Makes the answer stop at its next piece.
  func markCancelled() { cancelled.store(true, ordering: .relaxed) }

  /// Why a waiting caller gets no turn, once it wakes.
  var refusedBecause: AnswerQueueError? { refusal.withLock { $0 } }

  /// Ends a job that was taken out of the queue before it ran.
  func refuse(_ error: AnswerQueueError) {
    switch work {
    case .onWorker(_, _, _, let continuation):
      continuation.yield(.failed(error))
      continuation.finish()
    case .onCaller(let turn, _):
      refusal.withLock { $0 = error }
      turn.signal()
    }
  }

  /// Runs the job on the worker; returns when the engine is free again.
  func run() {
    switch work {
    case .onWorker(let reference, let prompt, let options, let continuation):
      guard !isCancelled else {
        continuation.yield(.failed(.cancelled))
        continuation.finish()
        return
      }
      continuation.yield(.started(waited: queued.duration(to: .now)))
      let result = reference.engine.answer(prompt, options: options) { piece in
        guard !isCancelled else { return false }
        continuation.yield(.text(piece))
        return !isCancelled
      }
      continuation.yield(.finished(result))
      continuation.finish()
    case .onCaller(let turn, let done):
      turn.signal()
      done.wait()
    }
  }
}
