import Hummingbird
import Stick

extension APIRoutes {
  /// `POST /v1/chat/completions`: answers a conversation through the
  /// model's chat template, whole or streamed.
  func chatCompletions(_ request: Request, context: ServerContext) async throws -> Response {
    let chat = try await decode(ChatCompletionRequest.self, from: request)
    try checkModel(chat.model)
    let prompt = AnswerPrompt.conversation(try chat.chatMessages())
    let options = try options(
      for: prompt, fields: chat, defaultMaxTokens: nil, promptName: "messages")
    let stopSequences = try chat.stopSequences()
    let reader = AnswerReader(
      ticket: try submit(prompt, options: options), stopSequences: stopSequences)
    let chunks = ChatChunks(
      id: Self.newID("chatcmpl-"), created: Self.now, model: engine.modelName,
      includesUsage: chat.includesUsage)
    if chat.streams {
      return chunks.response(reading: reader, watching: context.channel, note: context.note)
    }
    return try await Self.wholeAnswer(reader, context: context) { text, reason, usage in
      Self.json(
        ChatCompletion(
          id: chunks.id, created: chunks.created, model: chunks.model,
          choices: [.init(message: .init(content: text), finishReason: reason)], usage: usage))
    }
  }
}
