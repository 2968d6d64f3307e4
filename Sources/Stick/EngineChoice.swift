import LLM

/// Which engine answers a question, and which answers when that one cannot: a remote engine
/// falls back to the model on the board. Made by `ModelShelf.choice(for:locate:)` for the drive
/// and the folder alike.
public struct EngineChoice {
  public let engine: any AnswerEngine
  /// Answers when `engine` fails; nil when `engine` is the model on the board.
  public let fallback: (any AnswerEngine)?
  /// A problem to show: the model asked for is not there, and another answers.
  public let problem: String?

  public init(engine: any AnswerEngine, fallback: (any AnswerEngine)? = nil, problem: String?) {
    self.engine = engine
    self.fallback = fallback
    self.problem = problem
  }
}

/// How an answer with fallback went.
public struct ChosenAnswer {
  /// The engine whose answer it is.
  public let engine: any AnswerEngine
  public let result: GenerationResult
  /// Why the chosen engine did not answer, when the fallback did.
  public let failure: EngineFailure?
}
