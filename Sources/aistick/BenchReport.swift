import Foundation
import LLM

/// The figures of `aistick bench` and how they are printed: a table in the
/// manner of llama-bench, or JSON whose every record stands alone.
struct BenchReport {
  enum Kind: String {
    case prompt = "pp"
    case generation = "tg"
  }

  /// One test at one thread count: tokens per second of each repetition.
  struct Test {
    let kind: Kind
    let tokens: Int
    let tokensPerSecond: SampleStatistics

    var name: String { kind.rawValue + String(tokens) }
  }

  /// Everything measured at one thread count.
  struct Run {
    let threads: Int
    let tests: [Test]
    let load: Duration
    let firstLoad: Duration
    let firstToken: Benchmark.FirstTokenTiming
    let peakResidentBytes: Int
    let residentBytes: Int?
  }

  let modelPath: String
  let modelName: String
  /// The bytes of all tensors, as llama-bench counts a model's size.
  let modelBytes: Int
  let fileBytes: Int
  let weightBytesPerToken: Int
  let context: Int
  let repetitions: Int
  /// GB/s.
  let bandwidth: Double
  var runs: [Run] = []

  init(model: LanguageModel, context: Int, repetitions: Int, bandwidth: Double) {
    modelPath = model.path
    modelName = model.name
    modelBytes = Benchmark.tensorBytes(file: model.file)
    fileBytes = model.file.memory.count
    weightBytesPerToken = Benchmark.weightBytesPerToken(file: model.file)
    self.context = context
    self.repetitions = repetitions
    self.bandwidth = bandwidth
  }

  /// Decode steps per second if every step had to read the weights from
  /// memory at `bandwidth`: no engine decodes faster on this machine.
  var decodeCeiling: Double { bandwidth * 1e9 / Double(max(1, weightBytesPerToken)) }

  // MARK: The table

  private static let widths = [32, 10, 7, 7, 16]

  private static func line(_ cells: [String]) -> String {
    var text = "|"
    for (index, cell) in cells.enumerated() {
      let width = widths[index]
      let padding = String(repeating: " ", count: max(0, width - cell.count))
      text += " " + (index == 0 ? cell + padding : padding + cell) + " |"
    }
    return text + "\n"
  }

  func tableHeader() -> String {
    Self.line(["model", "size", "threads", "test", "t/s"])
      + "|"
      + Self.widths.enumerated().map { index, width in
        index == 0
          ? " " + String(repeating: "-", count: width) + " |"
          : " " + String(repeating: "-", count: width - 1) + ": |"
      }.joined() + "\n"
  }

  func row(_ test: Test, threads: Int) -> String {
    Self.line([
      String(modelName.prefix(Self.widths[0])),
      String(format: "%.2f MiB", Double(modelBytes) / 1_048_576),
      String(threads), test.name,
      String(
        format: "%.2f ± %.2f", test.tokensPerSecond.mean, test.tokensPerSecond.standardDeviation),
    ])
  }

  /// What follows the table: context, load, first token, memory, and how
  /// far decoding is from the bandwidth ceiling.
  func summary() -> String {
    var lines = [
      "",
      "model \(modelPath): \(fileBytes) bytes; context \(context) tokens; "
        + "\(repetitions) timed run\(repetitions == 1 ? "" : "s") of each test after one untimed",
    ]
    for run in runs {
      let ttft = run.firstToken.seconds
      let question =
        "\(run.firstToken.promptTokens)-token question"
        + (run.firstToken.wasCut ? ", cut to fit the context" : "")
      var line = String(
        format: "threads %d: load %.1f ms (first %.1f ms); first token %.1f ± %.1f ms after a ",
        run.threads, run.load.milliseconds, run.firstLoad.milliseconds, ttft.mean * 1000,
        ttft.standardDeviation * 1000)
      line += question
      line += String(
        format: "; load to first token %.1f ms; peak RSS %.1f MB",
        run.load.milliseconds + ttft.mean * 1000, Double(run.peakResidentBytes) / 1e6)
      if let resident = run.residentBytes {
        line += String(format: " (%.1f MB now)", Double(resident) / 1e6)
      }
      lines.append(line)
    }
    let generationNames = runs.flatMap { $0.tests.filter { $0.kind == .generation }.map(\.name) }
    let names = generationNames.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    let ceiling = String(
      format: "decode reads %.1f MB of weights per token; at %g GB/s that is %.0f tok/s",
      Double(weightBytesPerToken) / 1e6, bandwidth, decodeCeiling)
    if names.isEmpty { lines.append(ceiling) }
    for name in names {
      let reached = runs.compactMap { run -> String? in
        guard let test = run.tests.first(where: { $0.name == name }) else { return nil }
        let percent = String(format: "%.0f%%", 100 * test.tokensPerSecond.mean / decodeCeiling)
        return "\(percent) of it at \(run.threads) thread" + (run.threads == 1 ? "" : "s")
      }
      lines.append(ceiling + "; \(name) reaches " + reached.joined(separator: ", "))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  // MARK: JSON

  /// A list of records, one per test and thread count, each carrying every
  /// figure (keys as llama-bench names them where it has them).
  func json() throws -> String {
    let records = runs.flatMap { run in run.tests.map { Record(report: self, run: run, test: $0) } }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(records), as: UTF8.self) + "\n"
  }

  private struct Record: Encodable {
    let report: BenchReport
    let run: Run
    let test: Test

    enum Key: String, CodingKey {
      case modelPath = "model_path"
      case modelName = "model_name"
      case modelBytes = "model_size"
      case fileBytes = "file_size"
      case weightBytesPerToken = "weight_bytes_per_token"
      case threads = "n_threads"
      case context = "n_ctx"
      case test
      case prompt = "n_prompt"
      case generation = "n_gen"
      case repetitions
      case samples = "samples_ts"
      case mean = "avg_ts"
      case standardDeviation = "stddev_ts"
      case load = "load_ms"
      case firstLoad = "first_load_ms"
      case timeToFirstToken = "ttft_ms"
      case timeToFirstTokenDeviation = "ttft_stddev_ms"
      case questionTokens = "ttft_prompt_tokens"
      case questionWasCut = "ttft_prompt_cut"
      case peakResident = "peak_rss_bytes"
      case resident = "rss_bytes"
      case bandwidth = "bandwidth_gb_per_s"
      case ceiling = "decode_ceiling_ts"
      case ceilingFraction = "ceiling_fraction"
    }

    func encode(to encoder: Encoder) throws {
      var container = encoder.container(keyedBy: Key.self)
      let speed = test.tokensPerSecond
      try container.encode(report.modelPath, forKey: .modelPath)
      try container.encode(report.modelName, forKey: .modelName)
      try container.encode(report.modelBytes, forKey: .modelBytes)
      try container.encode(report.fileBytes, forKey: .fileBytes)
      try container.encode(report.weightBytesPerToken, forKey: .weightBytesPerToken)
      try container.encode(run.threads, forKey: .threads)
      try container.encode(report.context, forKey: .context)
      try container.encode(test.name, forKey: .test)
      try container.encode(test.kind == .prompt ? test.tokens : 0, forKey: .prompt)
      try container.encode(test.kind == .generation ? test.tokens : 0, forKey: .generation)
      try container.encode(report.repetitions, forKey: .repetitions)
      try container.encode(speed.samples, forKey: .samples)
      try container.encode(speed.mean, forKey: .mean)
      try container.encode(speed.standardDeviation, forKey: .standardDeviation)
      try container.encode(run.load.milliseconds, forKey: .load)
      try container.encode(run.firstLoad.milliseconds, forKey: .firstLoad)
      try container.encode(run.firstToken.seconds.mean * 1000, forKey: .timeToFirstToken)
      try container.encode(
        run.firstToken.seconds.standardDeviation * 1000, forKey: .timeToFirstTokenDeviation)
      try container.encode(run.firstToken.promptTokens, forKey: .questionTokens)
      try container.encode(run.firstToken.wasCut, forKey: .questionWasCut)
      try container.encode(run.peakResidentBytes, forKey: .peakResident)
      try container.encode(run.residentBytes, forKey: .resident)
      try container.encode(report.bandwidth, forKey: .bandwidth)
      try container.encode(report.decodeCeiling, forKey: .ceiling)
      try container.encode(
        test.kind == .generation ? speed.mean / report.decodeCeiling : nil,
        forKey: .ceilingFraction)
    }
  }
}

extension Duration {
  /// The duration in milliseconds, with the fraction kept for short figures.
  fileprivate var milliseconds: Double { inSeconds * 1000 }
}
