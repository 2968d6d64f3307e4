/// Why the queue did not answer.
public enum AnswerQueueError: Error, Sendable, Equatable {
  /// As many answers wait as the queue holds; one place is likely free
  /// again after about `retryAfter`.
  case full(retryAfter: Duration)
  /// The queue is closed: the program is stopping.
  case closed
  /// The answer was cancelled before its turn came.
  case cancelled
}

extension AnswerQueueError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .full:
      "the model is busy and its queue is full; try again in a moment"
    case .closed:
      "the program is stopping and answers nothing more"
    case .cancelled:
      "the answer was cancelled before its turn"
    }
  }
}
