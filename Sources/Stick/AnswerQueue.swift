import Foundation
import LLM
import Synchronization

/// The one way to the engines: answers are made one at a time, first come
/// first served, because a model has a single cache and the board's
/// processors are all used by one answer. The folder and drive services
/// wait for their turn and answer on their own thread (`answer`); the HTTP
/// API queues answers that the queue's worker thread makes (`submit`).
/// Every answer can be cancelled, and stops at its next piece when it is.
public final class AnswerQueue: Sendable {
  /// The most answers `submit` lets wait besides the one being made.
  public let capacity: Int
  private let state = Mutex(State())
  /// Signalled once for each job queued, and when the queue closes.
  private let available = DispatchSemaphore(value: 0)

  private struct State {
    var waiting: [AnswerJob] = []
    var running: AnswerJob?
    var closed = false
    /// How long answers take, on average of the recent ones.
    var typicalDuration: Duration?
  }

  /// How busy the engine is.
  public struct Load: Sendable, Equatable {
    public var answering: Bool
    public var waiting: Int
  }

  public init(capacity: Int = 8) {
    self.capacity = max(0, capacity)
    let worker = Thread { [self] in work() }
    worker.name = "answers"
    // The engine's loops run here; give it the stack a main thread has.
    worker.stackSize = 8 << 20
    worker.start()
  }

  public var load: Load {
    state.withLock { Load(answering: $0.running != nil, waiting: $0.waiting.count) }
  }

  /// Queues an answer to be made on the worker. Throws `.full` when
  /// `capacity` answers already wait, `.closed` once the queue is closed.
  public func submit(
    _ prompt: AnswerPrompt, options: GenerationOptions, on engine: EngineReference
  ) throws(AnswerQueueError) -> AnswerTicket {
    let (events, continuation) = AsyncStream<AnswerEvent>.makeStream()
    let job = AnswerJob(.onWorker(engine, prompt, options, continuation))
    continuation.onTermination = { [weak self, weak job] termination in
      // The reader went away: nobody wants the rest.
      if case .cancelled = termination, let self, let job { self.cancel(job) }
    }
    try enqueue(job, limited: true)
    return AnswerTicket(events: events) { [weak self] in self?.cancel(job) }
  }

  /// Waits for the engine's turn, then runs `work` on this thread, which
  /// has the engine until `work` returns. The turn says when the queue wants
  /// the engine back (it is closing). Throws `.closed` when the queue closed
  /// before the turn came. A caller waits however long the queue is.
  public func withTurn<Result>(_ work: (AnswerTurn) -> Result) throws(AnswerQueueError) -> Result {
    let turn = DispatchSemaphore(value: 0)
    let done = DispatchSemaphore(value: 0)
    let job = AnswerJob(.onCaller(turn: turn, done: done))
    try enqueue(job, limited: false)
    turn.wait()
    if let refusal = job.refusedBecause { throw refusal }
    defer { done.signal() }
    return work(AnswerTurn(job: job))
  }

  /// Answers `prompt` with `engine` on this thread when its turn comes.
  /// `onText` gets every piece; its returning false, or the queue closing,
  /// stops the answer (the result then says `cancelled`).
  public func answer(
    _ prompt: AnswerPrompt, with engine: any AnswerEngine, options: GenerationOptions,
    onText: (String) -> Bool
  ) throws(AnswerQueueError) -> GenerationResult {
    try withTurn { turn in
      engine.answer(prompt, options: options) { piece in
        onText(piece) && !turn.isCancelled
      }
    }
  }

  /// Refuses new answers, takes out the waiting ones and stops the one being
  /// made. The worker thread ends.
  public func close() {
    let (waiting, running) = state.withLock { state in
      state.closed = true
      defer { state.waiting.removeAll() }
      return (state.waiting, state.running)
    }
    running?.markCancelled()
    for job in waiting {
      job.markCancelled()
      job.refuse(.closed)
    }
    available.signal()
  }

  private func enqueue(_ job: AnswerJob, limited: Bool) throws(AnswerQueueError) {
    try state.withLock { state throws(AnswerQueueError) in
      if state.closed { throw .closed }
      if limited && state.waiting.count >= capacity {
        // A place frees up when the answer being made ends.
        throw .full(retryAfter: max(.seconds(1), state.typicalDuration ?? .seconds(5)))
      }
      state.waiting.append(job)
    }
    available.signal()
  }

  private func cancel(_ job: AnswerJob) {
    job.markCancelled()
    let wasWaiting = state.withLock { state in
      guard let index = state.waiting.firstIndex(where: { $0 === job }) else { return false }
      state.waiting.remove(at: index)
      return true
    }
    if wasWaiting { job.refuse(.cancelled) }
  }

  private enum Step {
    case run(AnswerJob)
    case wait
    case stop
  }

  /// The worker: runs the jobs in order until the queue is closed.
  private func work() {
    while true {
      available.wait()
      let step = state.withLock { state -> Step in
        guard !state.waiting.isEmpty else { return state.closed ? .stop : .wait }
        let job = state.waiting.removeFirst()
        state.running = job
        return .run(job)
      }
      switch step {
      case .stop: return
      case .wait: continue
      case .run(let job):
        let clock = ContinuousClock()
        let start = clock.now
        job.run()
        let duration = start.duration(to: clock.now)
        state.withLock { state in
          state.running = nil
          state.typicalDuration =
            state.typicalDuration.map { $0 * 0.7 + duration * 0.3 } ?? duration
        }
      }
    }
  }
}

/// The engine's turn, given to a thread that waits for it.
public struct AnswerTurn: Sendable {
  let job: AnswerJob

  /// The queue wants the engine back: stop answering.
  public var isCancelled: Bool { job.isCancelled }
}
