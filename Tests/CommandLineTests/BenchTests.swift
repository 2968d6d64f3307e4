import Foundation
import TestSupport
import Testing

/// `aistick bench` and `scripts/compare-bench` on the real default model, at
/// sizes small enough to run in seconds. Speed itself is never asserted.
@Suite struct BenchTests {
  /// The figures `--json` prints, one record per test.
  func records(_ output: String) throws -> [[String: Any]] {
    let parsed = try JSONSerialization.jsonObject(with: Data(output.utf8))
    return try #require(parsed as? [[String: Any]], "not a list of records: \(output)")
  }

  @Test func benchPrintsEveryFigureAsJSON() throws {
    let run = try aistick([
      "bench", "--prompt-tokens", "8", "--gen-tokens", "4", "--repetitions", "2",
      "--threads", "1", "--json",
    ])
    #expect(run.status == 0, "\(run.errors)")
    let records = try records(run.output)
    #expect(records.map { $0["test"] as? String } == ["pp8", "tg4"])
    for record in records {
      let samples = try #require(record["samples_ts"] as? [Double])
      #expect(samples.count == 2)
      #expect(samples.allSatisfy { $0 > 0 })
      #expect(record["repetitions"] as? Int == 2)
      #expect(record["n_threads"] as? Int == 1)
      #expect(record["n_ctx"] as? Int == 512)
      #expect(record["model_size"] as? Int == 96_576_768)
      #expect(record["weight_bytes_per_token"] as? Int == 96_576_768)
      #expect(
        (record["model_path"] as? String)?.hasSuffix("SmolLM2-135M-Instruct.Q4_1.gguf") == true)
      for key in [
        "avg_ts", "load_ms", "first_load_ms", "ttft_ms", "decode_ceiling_ts", "bandwidth_gb_per_s",
      ] {
        #expect((record[key] as? Double ?? 0) > 0, "\(key)")
      }
      #expect((record["stddev_ts"] as? Double ?? -1) >= 0)
      #expect((record["peak_rss_bytes"] as? Int ?? 0) > 50_000_000)
      #expect((record["ttft_prompt_tokens"] as? Int ?? 0) > 8)
      #expect(record["ttft_prompt_cut"] as? Bool == false)
    }
    #expect(records[0]["n_prompt"] as? Int == 8)
    #expect(records[0]["n_gen"] as? Int == 0)
    #expect(records[0]["ceiling_fraction"] is NSNull)
    #expect(records[1]["n_prompt"] as? Int == 0)
    #expect(records[1]["n_gen"] as? Int == 4)
    #expect((records[1]["ceiling_fraction"] as? Double ?? 0) > 0)
  }

  @Test func benchPrintsATable() throws {
    let run = try aistick([
      "bench", "--prompt-tokens", "4", "--gen-tokens", "0", "--gen-tokens", "2",
      "--repetitions", "1", "--threads", "1", "--bandwidth", "16", "--context", "64",
    ])
    #expect(run.status == 0, "\(run.errors)")
    for expected in [
      "| model", "|  92.10 MiB |       1 |     pp4 |", "|     tg2 |", "context 64 tokens",
      "threads 1: load ", "load to first token", "peak RSS",
      "decode reads 96.6 MB of weights per token; at 16 GB/s that is 166 tok/s; tg2 reaches",
    ] {
      #expect(run.output.contains(expected), "\(expected)")
    }
  }

  @Test func benchRejectsBadOptions() throws {
    let zeroThreads = try aistick(["bench", "--threads", "1,0"])
    #expect(zeroThreads.status != 0)
    #expect(zeroThreads.errors.contains("--threads must be at least 1"))
    let notANumber = try aistick(["bench", "--prompt-tokens", "8,x"])
    #expect(notANumber.status != 0)
    let tooLong = try aistick(["bench", "--prompt-tokens", "100", "--context", "64"])
    #expect(tooLong.status != 0)
    #expect(tooLong.errors.contains("shorter than the longest test"))
  }

  /// The comparison script's arguments for a small, quick run.
  func compareArguments() throws -> [String] {
    [
      "--aistick", try Checkout.program().path, "--threads", "1", "--prompt-tokens", "8",
      "--gen-tokens", "4", "--rounds", "2", "--repetitions", "1",
    ]
  }

  static let script = Checkout.root.appendingPathComponent("scripts/compare-bench").path

  @Test func compareScriptAloneReportsAistick() throws {
    var environment = ProcessInfo.processInfo.environment
    environment["LLAMA_BENCH"] = nil
    let run = try runCommand(Self.script, try compareArguments(), environment: environment)
    #expect(run.status == 0, "\(run.errors)")
    for expected in [
      "aistick only", "aistick t/s", "pp8", "tg4", "threads 1: aistick ", "load to first token",
      "decode reads 96.6 MB of weights per token",
    ] {
      #expect(run.output.contains(expected), "\(expected)")
    }
    #expect(!run.output.contains("llama-bench") && !run.output.contains("llama.cpp"))
  }

  /// Runs only where $LLAMA_BENCH names a real llama-bench program.
  @Test(
    .enabled(
      if: ProcessInfo.processInfo.environment["LLAMA_BENCH"].map {
        FileManager.default.isExecutableFile(atPath: $0)
      } ?? false))
  func compareScriptSetsBothSideBySide() throws {
    let run = try runCommand(Self.script, try compareArguments())
    #expect(run.status == 0, "\(run.errors)")
    for expected in ["aistick then llama-bench", "llama.cpp t/s", "ratio", "llama-bench "] {
      #expect(run.output.contains(expected), "\(expected)")
    }
    // threads, test, both speeds, the ratio and its spread.
    let lines = run.output.split(separator: "\n")
    let rows = lines.map { line -> [String] in line.split(separator: " ").map(String.init) }
      .filter { cells in cells.count == 6 && cells[0] == "1" && ["pp8", "tg4"].contains(cells[1]) }
    #expect(rows.count == 2)
  }
}
