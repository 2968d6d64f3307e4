import ArgumentParser
import GGUF
import LLM
import Tokenizer

struct Tokenize: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the token ids of a text as a JSON array (special tokens parsed).")

  @Option(help: "The GGUF model file. Default: the installed default model.")
  var model: String?

  @Flag(help: "Add the model's beginning/end-of-sequence tokens as it asks.")
  var addSpecial = false

  @Argument(help: "The text.")
  var text: String

  func run() throws {
    guard let path = model ?? ModelLocation.defaultModel() else {
      throw ValidationError("no model given and the default model is not installed")
    }
    let tokenizer = try Tokenizer(file: GGUFFile(path: path))
    let ids = tokenizer.encode(text, parseSpecial: true, addSpecial: addSpecial)
    print("[" + ids.map(String.init).joined(separator: ", ") + "]")
  }
}
