import LLM

/// What happens to an answer queued with `AnswerQueue.submit`, in order:
/// `started` once (or `failed`), then `text` pieces, then `finished`.
public enum AnswerEvent: Sendable {
  /// The answer has the engine, after waiting this long for it.
  case started(waited: Duration)
  /// A piece of the answer, as soon as it is made.
  case text(String)
  /// The answer is complete, stopped or cancelled: the result says which.
  case finished(GenerationResult)
  /// The answer never ran.
  case failed(AnswerQueueError)
}

/// A queued answer: its events, and the means to cancel it. Letting go of
/// the ticket cancels the answer too: nobody would read it.
public final class AnswerTicket: Sendable {
  /// The answer's events. Stopping to read them (the reading task is
  /// cancelled) cancels the answer.
  public let events: AsyncStream<AnswerEvent>
  private let cancelAnswer: @Sendable () -> Void

  init(events: AsyncStream<AnswerEvent>, cancel: @escaping @Sendable () -> Void) {
    self.events = events
    cancelAnswer = cancel
  }

  deinit { cancelAnswer() }

  /// Takes the answer out of the queue, or stops it at its next piece:
  /// the engine is free at once for the next one. Nothing happens to an
  /// answer that is already complete.
  public func cancel() { cancelAnswer() }
}
