import ArgumentParser
import Foundation
import LLM
import Remote
import Stick

/// Which model to load and how to run it.
struct ModelOptions: ParsableArguments {
  @Option(help: "The GGUF model file. Default: the installed default model.")
  var model: String?

  @Option(help: "Worker threads. Default: one per processor.")
  var threads: Int?

  @Option(help: "Context length in tokens (at most the model's).")
  var context: Int = LanguageModel.defaultContextLength

  func validate() throws {
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    if context < 16 { throw ValidationError("--context must be at least 16") }
  }

  /// The built-in model and the means to open a model dropped on the drive.
  func shelf(builtIn model: LanguageModel) -> ModelShelf {
    let context = context
    let threads = threads
    return ModelShelf(
      builtIn: LocalEngine(model: model),
      builtInFileName: URL(fileURLWithPath: model.path).lastPathComponent
    ) { path in
      LocalEngine(model: try LanguageModel(path: path, contextLength: context, threads: threads))
    } openRemote: { settings in
      RemoteEngine(settings: settings)
    }
  }

  func load() throws -> LanguageModel {
    try LanguageModel(path: modelPath(model), contextLength: context, threads: threads)
  }
}

/// The model named on the command line, or the installed default model.
func modelPath(_ named: String?) throws -> String {
  guard let path = named ?? ModelLocation.defaultModel() else {
    throw ValidationError(
      "no model given and the default model is not installed; run scripts/install or pass --model"
    )
  }
  return path
}

/// A remote engine for people without SETTINGS.TXT; the settings file's engine_url wins.
struct RemoteOptions: ParsableArguments {
  @Option(
    help: """
      An OpenAI-compatible server that answers instead of the model on the board, which \
      answers when the server cannot (http://HOST:PORT/v1).
      """)
  var remote: String?

  @Option(help: "The model the remote server is asked for. Default: the server's own.")
  var remoteModel: String?

  @Option(help: "The remote server's key. Default: $AISTICK_REMOTE_KEY, else none.")
  var remoteKey: String?

  func validate() throws {
    if let remote, RemoteAddress(remote) == nil {
      throw ValidationError("--remote must be an http:// or https:// address, not '\(remote)'")
    }
    if remote == nil && (remoteModel != nil || remoteKey != nil) {
      throw ValidationError("--remote-model and --remote-key need --remote")
    }
  }

  /// The remote engine named here; nil without --remote.
  var settings: RemoteSettings? {
    guard let address = remote.flatMap(RemoteAddress.init) else { return nil }
    let key = remoteKey ?? ProcessInfo.processInfo.environment["AISTICK_REMOTE_KEY"]
    return RemoteSettings(address: address, model: remoteModel, key: key)
  }
}

/// How answers are sampled.
struct SamplingArguments: ParsableArguments {
  @Option(help: "Sampling temperature; 0 always picks the most likely token.")
  var temperature: Float = 0.7

  @Option(help: "Keep only the k most likely tokens (0: all).")
  var topK: Int = 40

  @Option(help: "Keep the most likely tokens up to this total probability.")
  var topP: Float = 0.95

  @Option(help: "Drop tokens less likely than this fraction of the best one.")
  var minP: Float = 0.05

  @Option(help: "Penalty for repeating recent tokens (1: off).")
  var repeatPenalty: Float = 1.0

  @Option(help: "Random seed: the same seed gives the same answer.")
  var seed: UInt64?

  @Option(help: "The most tokens to generate.")
  var maxTokens: Int = 256

  func validate() throws {
    if temperature < 0 { throw ValidationError("--temperature must not be negative") }
    if !(0...1).contains(topP) { throw ValidationError("--top-p must be between 0 and 1") }
    if !(0...1).contains(minP) { throw ValidationError("--min-p must be between 0 and 1") }
    if topK < 0 { throw ValidationError("--top-k must not be negative") }
    if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
    if repeatPenalty <= 0 { throw ValidationError("--repeat-penalty must be positive") }
  }

  var options: GenerationOptions {
    var sampling = SamplingOptions()
    sampling.temperature = temperature
    sampling.topK = topK
    sampling.topP = topP
    sampling.minP = minP
    sampling.repetitionPenalty = repeatPenalty
    sampling.seed = seed
    return GenerationOptions(maxTokens: maxTokens, sampling: sampling)
  }
}

/// Writes to standard error: logs and figures never mix with the answer.
func log(_ message: String) {
  FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Writes a piece of the answer to standard output at once.
func emit(_ text: String) {
  FileHandle.standardOutput.write(Data(text.utf8))
}

func describe(_ statistics: GenerationStatistics, seed: UInt64) -> String {
  String(
    format: "prompt %d tokens (%.1f tok/s), generated %d tokens (%.1f tok/s), "
      + "first token after %d ms, seed %llu",
    statistics.promptTokens, statistics.promptTokensPerSecond, statistics.generatedTokens,
    statistics.generatedTokensPerSecond, statistics.timeToFirstToken.inMilliseconds, seed)
}
