import LLM

extension AnswerQueue {
  /// Answers with `choice.engine` when the engine's turn comes; when that engine fails (a
  /// remote one that cannot be reached, is too slow, or stops in the middle), the fallback
  /// answers in the same turn. An answer cut off in the middle is never kept: the person gets
  /// one whole answer by the model its marker names.
  ///
  /// `begin` is called before each engine starts, with `again` true for the fallback: the
  /// caller then takes back everything the failed engine's answer wrote and starts anew.
  /// `prompt` makes the prompt for an engine (their default system prompts differ). `onText`
  /// gets every piece; its returning false, or the queue closing, stops the answer (the result
  /// then says `cancelled`).
  public func answer(
    _ choice: EngineChoice, options: GenerationOptions,
    prompt: (any AnswerEngine) -> AnswerPrompt,
    begin: (_ engine: any AnswerEngine, _ again: Bool) -> Void,
    onText: (String) -> Bool
  ) throws(AnswerQueueError) -> ChosenAnswer {
    try withTurn { turn in
      begin(choice.engine, false)
      let failure: EngineFailure
      do throws(EngineFailure) {
        let result = try choice.engine.attempt(prompt(choice.engine), options: options) {
          onText($0) && !turn.isCancelled
        }
        return ChosenAnswer(engine: choice.engine, result: result, failure: nil)
      } catch {
        failure = error
      }
      guard let fallback = choice.fallback, !turn.isCancelled else {
        let nothing = GenerationResult(
          text: "", stopReason: .cancelled, statistics: GenerationStatistics())
        return ChosenAnswer(engine: choice.engine, result: nothing, failure: failure)
      }
      begin(fallback, true)
      let result = fallback.answer(prompt(fallback), options: options) {
        onText($0) && !turn.isCancelled
      }
      return ChosenAnswer(engine: fallback, result: result, failure: failure)
    }
  }
}
