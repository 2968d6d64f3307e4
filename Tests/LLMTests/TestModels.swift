import Foundation
import GGUF
import Testing

@testable import LLM

/// The default model installed by scripts/install.
func defaultModelPath() throws -> String {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  let path = root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
  try #require(
    FileManager.default.fileExists(atPath: path),
    "the default model is missing: run scripts/install")
  return path
}

/// One model shared by the tests in this process: loading maps the file,
/// but each `Generator` keeps its own cache position, so tests stay independent.
let sharedDefaultModel: Result<LanguageModel, any Error> = Result {
  try LanguageModel(path: try defaultModelPath(), contextLength: 1024, threads: 2)
}

func defaultModel() throws -> LanguageModel { try sharedDefaultModel.get() }

/// Reference runs of the reference CPU runtime on the default model.
struct GreedyCase: Decodable {
  let name: String
  let kind: String
  let promptText: String
  let promptIds: [Int32]
  let generatedIds: [Int32]
  /// The runtime's own top-1 minus top-2 logit at each step.
  let margins: [Double]

  enum CodingKeys: String, CodingKey {
    case name, kind, margins
    case promptText = "prompt_text"
    case promptIds = "prompt_ids"
    case generatedIds = "generated_ids"
  }

  static let all: [GreedyCase] = {
    guard let url = Bundle.module.url(forResource: "Fixtures/llama-greedy", withExtension: "json"),
      let data = try? Data(contentsOf: url)
    else { return [] }
    return (try? JSONDecoder().decode([GreedyCase].self, from: data)) ?? []
  }()
}
