import ArgumentParser
import LLM
import Tokenizer

struct Chat: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Talk with the model in the terminal; an empty line or end of input quits.")

  @OptionGroup var modelOptions: ModelOptions
  @OptionGroup var sampling: SamplingArguments

  @Option(help: "The system prompt (default: the model's own).")
  var system: String?

  func run() throws {
    let model = try modelOptions.load()
    log("model: \(model.name); an empty line or Ctrl-D quits")
    let generator = Generator(model: model)
    var messages: [ChatMessage] = []
    if let system { messages.append(ChatMessage(role: .system, content: system)) }
    while true {
      emit("> ")
      guard let line = readLine(), !line.trimmingCharacters(in: .whitespaces).isEmpty else { break }
      messages.append(ChatMessage(role: .user, content: line))
      let result = generator.chat(messages, options: sampling.options) { piece in
        emit(piece)
        return true
      }
      emit("\n")
      messages.append(ChatMessage(role: .assistant, content: result.text))
      log(describe(result.statistics, seed: result.seed))
    }
  }
}
