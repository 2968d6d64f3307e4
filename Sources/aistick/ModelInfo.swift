import ArgumentParser
import Foundation
import GGUF
import LLM

struct Model: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Inspect model files.", subcommands: [Info.self])

  struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Describe a GGUF model and say whether this engine can run it.")

    @Argument(help: "The GGUF model file.")
    var path: String

    func run() throws {
      let summary = ModelSummary(file: try GGUFFile(path: path))
      var lines = [
        "file: \(path) (\(summary.fileBytes) bytes)",
        "name: \(summary.name ?? "-")",
        "architecture: \(summary.architecture)",
        String(
          format: "parameters: %d (%.1f M)", summary.parameterCount,
          Double(summary.parameterCount) / 1e6),
        "context length: \(summary.trainedContextLength.map(String.init) ?? "-")",
        "vocabulary: \(summary.vocabularySize.map(String.init) ?? "-") tokens, tokenizer "
          + "\(summary.tokenizerModel ?? "-"), pre-tokenizer \(summary.preTokenizer ?? "-")",
        "chat template: \(summary.templateFamily)",
        "tensor types:",
      ]
      for entry in summary.typeMix {
        let name = entry.type.description
        let type = name + String(repeating: " ", count: max(0, 5 - name.count))
        lines.append("  \(type) \(entry.tensors) tensors, \(entry.bytes) bytes")
      }
      lines.append(
        summary.problems.isEmpty
          ? "supported: yes"
          : "supported: no\n" + summary.problems.map { "  - \($0)" }.joined(separator: "\n"))
      print(lines.joined(separator: "\n"))
    }
  }
}
