import LLM

/// What the request's task hands to the answering thread.
enum RemoteEvent: Sendable {
  /// A piece of the answer.
  case piece(String)
  /// The server says why the answer ends (`finish_reason`).
  case finish(StopReason)
  /// The token counts the server sends at the end.
  case usage(prompt: Int?, completion: Int?)
  /// `data: [DONE]`: the stream is complete.
  case done
  /// The connection ended (without `[DONE]`).
  case closed
  case failed(RemoteEngineError)

  /// What it holds, for bounding what waits.
  var size: Int {
    if case .piece(let text) = self { return text.utf8.count }
    return 16
  }
}
