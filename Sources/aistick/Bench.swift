import ArgumentParser
import Foundation
import LLM

/// Counts given as "128,512"; the option may also be repeated.
struct CountList: ExpressibleByArgument {
  let values: [Int]

  init?(argument: String) {
    let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
    let values = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.count == parts.count else { return nil }
    self.values = values
  }
}

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure prompt and generation speed, first-token time, load time and memory.",
    discussion: """
      Like llama-bench: ppN prefills N tokens from position 0, tgN runs N single-token steps \
      from position 0; each is run once untimed, then --repetitions times. Figures go to \
      standard output as a table, or as JSON with --json.
      """)

  @Option(help: "The GGUF model file. Default: the installed default model.")
  var model: String?

  @Option(help: "Worker thread counts, comma-separated. Default: one per processor.")
  var threads: [CountList] = []

  @Option(help: "Prompt lengths to prefill (ppN), comma-separated; 0 for none. Default: 128.")
  var promptTokens: [CountList] = []

  @Option(help: "Generation lengths (tgN), comma-separated; 0 for none. Default: 128.")
  var genTokens: [CountList] = []

  @Option(help: "Timed runs of each test, after one untimed run.")
  var repetitions: Int = 5

  @Option(
    help: "Context length in tokens. Default: the longest pp plus the longest tg, at least 512.")
  var context: Int?

  @Option(help: "Memory bandwidth in GB/s, for the decode speed it allows.")
  var bandwidth: Double = 32

  @Flag(help: "Print every figure as JSON, for scripts.")
  var json = false

  /// The question whose first token is timed.
  static let question = "What is the capital of France?"

  var threadCounts: [Int] {
    let counts = threads.flatMap(\.values)
    return counts.isEmpty ? [ProcessInfo.processInfo.activeProcessorCount] : counts
  }
  var promptLengths: [Int] { lengths(promptTokens) }
  var generationLengths: [Int] { lengths(genTokens) }
  var longestTest: Int { (promptLengths + generationLengths).max() ?? 0 }
  var contextLength: Int {
    context ?? max(512, (promptLengths.max() ?? 0) + (generationLengths.max() ?? 0))
  }

  /// The counts asked for, 128 when none, without the zeros that ask for none.
  private func lengths(_ lists: [CountList]) -> [Int] {
    let counts = lists.flatMap(\.values)
    return (counts.isEmpty ? [128] : counts).filter { $0 > 0 }
  }

  func validate() throws {
    if threads.flatMap(\.values).contains(where: { $0 < 1 }) {
      throw ValidationError("--threads must be at least 1")
    }
    if (promptTokens + genTokens).flatMap(\.values).contains(where: { $0 < 0 }) {
      throw ValidationError("--prompt-tokens and --gen-tokens must not be negative")
    }
    if repetitions < 1 { throw ValidationError("--repetitions must be at least 1") }
    if !(bandwidth > 0) { throw ValidationError("--bandwidth must be positive") }
    if let context, context < 16 { throw ValidationError("--context must be at least 16") }
    if contextLength < longestTest {
      throw ValidationError("--context \(contextLength) is shorter than the longest test")
    }
  }

  func run() throws {
    let path = try modelPath(model)
    var report: BenchReport?
    for threadCount in threadCounts {
      // The first load may read the file's tables from disk; the second is
      // the warm load a running stick sees when it opens a model again.
      let firstLoad = try LanguageModel(
        path: path, contextLength: contextLength, threads: threadCount
      ).loadDuration
      let model = try LanguageModel(path: path, contextLength: contextLength, threads: threadCount)
      let benchmark = Benchmark(model: model)
      guard benchmark.longestTest >= longestTest else {
        throw BenchProblem(
          description: "the model's context holds \(benchmark.longestTest) tokens, "
            + "fewer than the longest test (\(longestTest))")
      }
      if report == nil {
        report = BenchReport(
          model: model, context: benchmark.longestTest, repetitions: repetitions,
          bandwidth: bandwidth)
        if !json && longestTest > 0 { emit(report?.tableHeader() ?? "") }
      }
      var tests: [BenchReport.Test] = []
      func record(_ kind: BenchReport.Kind, _ tokens: Int, _ figures: SampleStatistics) {
        let test = BenchReport.Test(kind: kind, tokens: tokens, tokensPerSecond: figures)
        tests.append(test)
        if !json { emit(report?.row(test, threads: threadCount) ?? "") }
      }
      for tokens in promptLengths {
        record(
          .prompt, tokens, benchmark.promptProcessing(tokens: tokens, repetitions: repetitions))
      }
      for tokens in generationLengths {
        record(
          .generation, tokens, benchmark.tokenGeneration(tokens: tokens, repetitions: repetitions))
      }
      let firstToken = benchmark.timeToFirstToken(
        question: Self.question, repetitions: repetitions)
      report?.runs.append(
        BenchReport.Run(
          threads: threadCount, tests: tests, load: model.loadDuration, firstLoad: firstLoad,
          firstToken: firstToken, peakResidentBytes: ProcessMemory.peakResidentBytes(),
          residentBytes: ProcessMemory.currentResidentBytes()))
    }
    guard let report else { return }
    emit(json ? try report.json() : report.summary())
  }
}

/// A benchmark that cannot run as asked, said in one sentence.
struct BenchProblem: Error, CustomStringConvertible {
  let description: String
}
