/// The answer to a chat completion request that does not stream.
struct ChatCompletion: Encodable {
  var id: String
  var object = "chat.completion"
  var created: Int
  var model: String
  var choices: [Choice]
  var usage: Usage

  struct Choice: Encodable {
    var index = 0
    var message: Message
    var finishReason: FinishReason

    enum CodingKeys: String, CodingKey {
      case index, message
      case finishReason = "finish_reason"
    }
  }

  struct Message: Encodable {
    var role = "assistant"
    var content: String
  }
}
