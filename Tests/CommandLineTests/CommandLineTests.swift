import Foundation
import TestSupport
import Testing

/// Runs the built `aistick` beside the test bundle, in the checkout, with
/// `input` on its standard input.
func aistick(_ arguments: [String], input: String? = nil) throws -> CommandResult {
  return try runCommand(try Checkout.program().path, arguments, input: input, directory: Checkout.root)
}

@Suite struct CommandLineTests {
  @Test(arguments: [
    [], ["generate"], ["chat"], ["tokenize"], ["model"], ["model", "info"], ["bench"],
    ["quantize"],
  ])
  func everyCommandHasHelp(command: [String]) throws {
    let run = try aistick(command + ["--help"])
    #expect(run.status == 0)
    #expect(run.output.contains("USAGE:"))
  }

  @Test func generateAnswersOnStandardOutput() throws {
    let run = try aistick([
      "generate", "--temperature", "0", "--max-tokens", "32",
      "What is the capital of France? Answer in one sentence.",
    ])
    #expect(run.status == 0)
    #expect(run.output == "The capital of France is Paris.\n")
    #expect(run.errors.contains("tok/s"))
  }

  @Test func generateRawContinuesTheText() throws {
    let run = try aistick([
      "generate", "--raw", "--temperature", "0", "--max-tokens", "6", "Once upon a time",
    ])
    #expect(run.status == 0)
    #expect(run.output.hasPrefix("Once upon a time"))
    #expect(run.output.count > "Once upon a time".count + 5)
  }

  @Test func chatTakesTurnsFromStandardInput() throws {
    let run = try aistick(
      ["chat", "--temperature", "0", "--max-tokens", "24"],
      input: "What is the capital of France? Answer in one sentence.\n\n")
    #expect(run.status == 0)
    #expect(run.output.contains("Paris"))
  }

  @Test func tokenizePrintsJSON() throws {
    let run = try aistick(["tokenize", "Once upon a time"])
    #expect(run.status == 0)
    #expect(run.output == "[6403, 1980, 253, 655]\n")
    let special = try aistick(["tokenize", "<|im_start|>user"])
    #expect(special.output == "[1, 4093]\n")
  }

  @Test func modelInfoDescribesTheFile() throws {
    let run = try aistick(["model", "info", "models/SmolLM2-135M-Instruct.Q4_1.gguf"])
    #expect(run.status == 0)
    for expected in [
      "architecture: llama", "parameters: 134515008", "context length: 8192",
      "vocabulary: 49152 tokens, tokenizer gpt2, pre-tokenizer smollm", "chat template: ChatML",
      "Q4_1  210 tensors, 66355200 bytes", "Q8_0  1 tensors, 30081024 bytes",
      "F32   61 tensors, 140544 bytes", "supported: yes",
    ] {
      #expect(run.output.contains(expected), "\(expected)")
    }
  }

  @Test func badFilesAndOptionsGiveClearErrors() throws {
    let missing = try aistick(["model", "info", "/nonexistent/model.gguf"])
    #expect(missing.status != 0)
    #expect(missing.errors.contains("cannot open /nonexistent/model.gguf"))

    let garbage = FileManager.default.temporaryDirectory.appendingPathComponent(
      "garbage-\(UUID().uuidString).gguf")
    try Data("this is not a model".utf8).write(to: garbage)
    defer { try? FileManager.default.removeItem(at: garbage) }
    let notModel = try aistick(["generate", "--model", garbage.path, "hello"])
    #expect(notModel.status != 0)
    #expect(notModel.errors.contains("not a GGUF file"))

    let badOption = try aistick(["generate", "--top-p", "2", "hello"])
    #expect(badOption.status != 0)
    #expect(badOption.errors.contains("--top-p must be between 0 and 1"))
  }
}
