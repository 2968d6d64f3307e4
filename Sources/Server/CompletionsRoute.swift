import Hummingbird
import Stick

extension APIRoutes {
  /// `POST /v1/completions`: continues the prompt as it is, with no
  /// template, whole or streamed.
  func completions(_ request: Request, context: ServerContext) async throws -> Response {
    let completion = try await decode(CompletionRequest.self, from: request)
    try checkModel(completion.model)
    let prompt = AnswerPrompt.text(completion.prompt.text)
    let options = try options(
      for: prompt, fields: completion, defaultMaxTokens: CompletionRequest.defaultMaxTokens,
      promptName: "prompt")
    let stopSequences = try completion.stopSequences()
    let reader = AnswerReader(
      ticket: try submit(prompt, options: options), stopSequences: stopSequences)
    let chunks = TextChunks(
      id: Self.newID("cmpl-"), created: Self.now, model: engine.modelName,
      includesUsage: completion.includesUsage)
    if completion.streams {
      return chunks.response(reading: reader, watching: context.channel, note: context.note)
    }
    return try await Self.wholeAnswer(reader, context: context) { text, reason, usage in
      Self.json(
        TextCompletion(
          id: chunks.id, created: chunks.created, model: chunks.model,
          choices: [.init(text: text, finishReason: reason)], usage: usage, includesUsage: true))
    }
  }
}
