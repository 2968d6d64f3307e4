/// An engine handed to the queue from another thread (the HTTP server's
/// tasks), with the facts about it that any thread may read.
///
/// It is `@unchecked Sendable` because an engine is not: a model has one
/// cache and must never run two answers at once. That holds here because
/// the engine's `answer` is only ever called by an `AnswerQueue` job, and the
/// queue runs one job at a time, handing over from one thread to the next
/// through semaphores. Everything else read from an engine (its name, its
/// measure) is fixed when the model is loaded.
public struct EngineReference: @unchecked Sendable {
  let engine: any AnswerEngine
  /// The name the answers are made by; the model's id in the HTTP API.
  public let modelName: String
  /// Measures prompts as the engine feeds them; nil when it cannot tell.
  public let promptMeasure: (any PromptMeasure)?

  public init(_ engine: any AnswerEngine) {
    self.engine = engine
    modelName = engine.modelName
    promptMeasure = engine.promptMeasure
  }
}
