import ArgumentParser
import LLM
import Tokenizer

struct Generate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Answer one prompt and print the answer as it is generated.")

  @OptionGroup var modelOptions: ModelOptions
  @OptionGroup var sampling: SamplingArguments

  @Flag(help: "Continue the text as it is, without the chat template.")
  var raw = false

  @Option(help: "The system prompt (default: the model's own).")
  var system: String?

  @Argument(help: "The prompt.")
  var prompt: String

  func run() throws {
    let model = try modelOptions.load()
    log("model: \(model.name) (\(model.path)), loaded in \(model.loadDuration.inMilliseconds) ms")
    let generator = Generator(model: model)
    let onText: (String) -> Bool = { piece in
      emit(piece)
      return true
    }
    let result: GenerationResult
    if raw {
      emit(prompt)
      result = generator.complete(prompt, options: sampling.options, onText: onText)
    } else {
      var messages: [ChatMessage] = []
      if let system { messages.append(ChatMessage(role: .system, content: system)) }
      messages.append(ChatMessage(role: .user, content: prompt))
      if let warning = model.template.warning { log("warning: \(warning)") }
      result = generator.chat(messages, options: sampling.options, onText: onText)
    }
    emit("\n")
    if let note = result.promptNote { log("note: \(note)") }
    log(describe(result.statistics, seed: result.seed) + ", stopped: \(result.stopReason)")
  }
}
