import Foundation
import GGUF
import Kernels
import Tokenizer

/// What a model file holds, for `aistick model info`: read from the file's
/// tables alone, so it also describes files the engine cannot run and says why.
public struct ModelSummary: Sendable {
  public var architecture: String
  public var name: String?
  public var parameterCount: Int
  /// Tensor count and bytes per tensor type, most bytes first.
  public var typeMix: [(type: TensorType, tensors: Int, bytes: Int)]
  public var trainedContextLength: Int?
  public var vocabularySize: Int?
  public var tokenizerModel: String?
  public var preTokenizer: String?
  public var templateFamily: String
  public var fileBytes: Int
  /// Reasons the engine cannot run this file; empty when it can.
  public var problems: [String]

  public init(file: GGUFFile) {
    architecture = (try? file.string("general.architecture")) ?? "unknown"
    name = try? file.string("general.name")
    parameterCount = file.tensors.reduce(0) { $0 + $1.elementCount }
    var mix: [TensorType: (Int, Int)] = [:]
    for tensor in file.tensors {
      let entry = mix[tensor.type] ?? (0, 0)
      mix[tensor.type] = (entry.0 + 1, entry.1 + tensor.byteCount)
    }
    typeMix = mix.map { ($0.key, $0.value.0, $0.value.1) }.sorted { $0.bytes > $1.bytes }
    trainedContextLength = try? file.integer(architecture + ".context_length")
    vocabularySize = file.metadata["tokenizer.ggml.tokens"]?.array.flatMap {
      $0.elementType == .string ? $0.count : nil
    }
    tokenizerModel = try? file.string("tokenizer.ggml.model")
    preTokenizer = try? file.string("tokenizer.ggml.pre")
    templateFamily = ChatTemplate(file: file).family.description
    fileBytes = file.memory.count

    problems = []
    if !ModelConfig.supportedArchitectures.contains(architecture) {
      problems.append(ModelError.unsupportedArchitecture(architecture).description)
    } else {
      do {
        _ = try ModelConfig(file: file)
      } catch {
        problems.append(error.description)
      }
    }
    for type in typeMix.map(\.type) where !WeightMatrix.supportedTypes.contains(type) {
      let names = file.tensors.filter { $0.type == type }.map(\.name)
      let shown = names.prefix(4).map { "'\($0)'" }.joined(separator: ", ")
      problems.append(
        "tensor type \(type) has no kernel here; \(names.count) tensors use it: \(shown)"
          + (names.count > 4 ? ", ..." : ""))
    }
    if let model = tokenizerModel, !["gpt2", "llama"].contains(model) {
      problems.append("tokenizer model '\(model)' is not supported")
    }
  }
}
