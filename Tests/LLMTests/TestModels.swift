import Foundation
import GGUF
import TestSupport
import Testing

@testable import LLM

/// The default model, opened anew for each test: a model runs one
/// conversation at a time, and tests run side by side. Opening only maps
/// the file, which the page cache shares.
func defaultModel() throws -> LanguageModel {
  try LanguageModel(path: try Checkout.defaultModel(), contextLength: 1024, threads: 2)
}

/// Greedy runs of the reference CPU runtime (llama.cpp) on the default
/// model. `sequential` fed the prompt one token at a time, as this engine
/// does; `batched` fed it in one batch. From 33 prompt tokens on, the
/// runtime's two paths round differently and part ways at near-ties.
struct GreedyCase: Decodable {
  struct Run: Decodable {
    let generatedIds: [Int32]
    /// The runtime's own top-1 minus top-2 logit at each step.
    let margins: [Double]

    enum CodingKeys: String, CodingKey {
      case margins
      case generatedIds = "generated_ids"
    }
  }

  let name: String
  let kind: String
  let promptText: String
  let promptIds: [Int32]
  let sequential: Run
  let batched: Run

  enum CodingKeys: String, CodingKey {
    case name, kind, sequential, batched
    case promptText = "prompt_text"
    case promptIds = "prompt_ids"
  }

  static let all: [GreedyCase] = {
    guard let url = Bundle.module.url(forResource: "Fixtures/llama-greedy", withExtension: "json"),
      let data = try? Data(contentsOf: url)
    else { return [] }
    return (try? JSONDecoder().decode([GreedyCase].self, from: data)) ?? []
  }()
}
