import ArgumentParser
import Foundation
import GGUF
import LLM

struct Quantize: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write a copy of a model with its weights in another tensor type.",
    discussion: """
      Types: \(QuantizationScheme.names.joined(separator: ", ")). Q4_K_M and Q5_K_M mix \
      Q4_K or Q5_K with Q6_K for the output and for attn_v and ffn_down in some layers. \
      Norms and biases are stored as F32. Rows that a type's blocks do not divide take a \
      similar type that fits; each such tensor is named on standard error.
      """)

  @Argument(help: "The GGUF model to read (any type this program can run).")
  var input: String

  @Argument(help: "The GGUF file to write.")
  var output: String

  @Option(help: "The tensor type, or Q4_K_M / Q5_K_M for the mixes.")
  var type: String

  @Flag(help: "Replace the output file if it exists.")
  var force = false

  @Option(help: "Worker threads. Default: one per processor.")
  var threads: Int?

  func validate() throws {
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
  }

  func run() throws {
    guard let scheme = QuantizationScheme(name: type) else {
      throw QuantizeError.unknownType(type)
    }
    let start = ContinuousClock.now
    let report = try ModelQuantizer(scheme: scheme).quantize(
      input: input, output: output, force: force, threads: threads)
    for fallback in report.fallbacks { log("note: \(fallback)") }
    for tensor in report.repairedTensors {
      log("warning: values of '\(tensor)' that were not finite numbers were stored as 0")
    }
    let mix = report.tensorsPerType.sorted { $0.key.rawValue < $1.key.rawValue }
      .map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    log(
      String(
        format: "wrote %@ (%@, %d bytes) in %.1f s: %@", output, scheme.description,
        report.outputBytes, (ContinuousClock.now - start).inSeconds, mix))
  }
}
