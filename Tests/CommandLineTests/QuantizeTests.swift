import Foundation
import TestSupport
import Testing

/// `aistick quantize` on the real default model: the re-encoded files answer
/// the reference question, describe themselves and run the benchmark.
@Suite struct QuantizeTests {
  static let question = "What is the capital of France? Answer in one sentence."

  @Test(arguments: ["Q4_K_M", "Q8_0"])
  func requantizedModelAnswers(type: String) throws {
    let model = try Checkout.defaultModel()
    let folder = try TemporaryFolder()
    let output = folder.path("SmolLM2-135M-Instruct.\(type).gguf")
    let quantize = try aistick(["quantize", model, output, "--type", type])
    #expect(quantize.status == 0, "\(quantize.errors)")
    #expect(quantize.errors.contains("wrote \(output) (\(type)"))
    if type == "Q4_K_M" {
      // Rows of 576 do not fill blocks of 256: those tensors say what they became.
      #expect(quantize.errors.contains("do not fill Q4_K blocks of 256; stored as Q5_0"))
    }

    let answer = try aistick([
      "generate", "--model", output, "--temperature", "0", "--max-tokens", "32", Self.question,
    ])
    #expect(answer.status == 0, "\(answer.errors)")
    #expect(answer.output.contains("Paris"), "\(type): \(answer.output)")

    let info = try aistick(["model", "info", output])
    #expect(info.output.contains("supported: yes"))
    let expectedTypes = type == "Q4_K_M" ? ["Q4_K ", "Q6_K ", "Q5_0 ", "Q8_0 "] : ["Q8_0 "]
    for expected in expectedTypes { #expect(info.output.contains(expected), "\(expected)") }

    if type == "Q4_K_M" {
      let bench = try aistick([
        "bench", "--model", output, "--prompt-tokens", "32", "--gen-tokens", "16",
        "--repetitions", "1",
      ])
      #expect(bench.status == 0, "\(bench.errors)")
      #expect(bench.output.contains("tg16"))
    }
  }

  @Test func refusesClearly() throws {
    let model = try Checkout.defaultModel()
    let folder = try TemporaryFolder()
    let output = folder.path("out.gguf")

    let unknown = try aistick(["quantize", model, output, "--type", "Q9_9"])
    #expect(unknown.status != 0)
    #expect(unknown.errors.contains("unknown type 'Q9_9'"))

    let missing = try aistick(["quantize", folder.path("none.gguf"), output, "--type", "Q8_0"])
    #expect(missing.status != 0)
    #expect(missing.errors.contains("cannot open \(folder.path("none.gguf"))"))

    try Data("this is not a model".utf8).write(to: URL(fileURLWithPath: folder.path("bad.gguf")))
    let garbage = try aistick(["quantize", folder.path("bad.gguf"), output, "--type", "Q8_0"])
    #expect(garbage.status != 0)
    #expect(garbage.errors.contains("not a GGUF file"))

    try Data("keep me".utf8).write(to: URL(fileURLWithPath: output))
    let exists = try aistick(["quantize", model, output, "--type", "Q8_0"])
    #expect(exists.status != 0)
    #expect(exists.errors.contains("exists; pass --force to replace it"))
    #expect(try String(contentsOfFile: output, encoding: .utf8) == "keep me")

    #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
  }
}
