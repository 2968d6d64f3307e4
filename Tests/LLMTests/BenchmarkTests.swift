import Foundation
import GGUF
import Testing

@testable import LLM

@Suite struct BenchmarkTests {
  @Test func statisticsOfKnownNumbers() {
    let figures = SampleStatistics([2, 4, 4, 4, 5, 5, 7, 9])
    #expect(figures.count == 8)
    #expect(figures.mean == 5)
    // Sample deviation: the squares sum to 32, over n - 1 = 7.
    #expect(abs(figures.standardDeviation - (32.0 / 7).squareRoot()) < 1e-12)

    #expect(SampleStatistics([3.5]).mean == 3.5)
    #expect(SampleStatistics([3.5]).standardDeviation == 0)
    #expect(SampleStatistics([]).mean == 0)
    #expect(SampleStatistics([]).standardDeviation == 0)
    #expect(SampleStatistics([10, 10, 10]).standardDeviation == 0)
  }

  @Test(arguments: [true, false])
  func weightsReadPerToken(tied: Bool) throws {
    var model = TinyModel()
    model.tiedOutput = tied
    let file = try GGUFFile(memory: MappedMemory(copying: model.bytes()))
    let all = Benchmark.tensorBytes(file: file)
    #expect(all == file.tensors.reduce(0) { $0 + $1.byteCount })
    let embedding = try #require(file.tensor(named: "token_embd.weight"))
    // Tied, the embedding is read whole as the output matrix; untied, one row of it.
    let expected = tied ? all : all - embedding.byteCount + model.dimension * 4
    #expect(Benchmark.weightBytesPerToken(file: file) == expected)
  }

  @Test func defaultModelReadsAllItsWeightsPerToken() throws {
    let model = try defaultModel()
    // Tied output: every tensor once, as `aistick model info` adds them up.
    #expect(Benchmark.weightBytesPerToken(file: model.file) == 66_355_200 + 30_081_024 + 140_544)
  }

  @Test func measuresEachRepetition() throws {
    let (model, url) = try tinySentencePieceModel()
    defer { try? FileManager.default.removeItem(at: url) }
    let benchmark = Benchmark(model: model)
    #expect(benchmark.longestTest == 64)
    let tokens = benchmark.tokens(40)
    #expect(Set(tokens).count > 1)
    #expect(tokens.allSatisfy { $0 >= 0 && Int($0) < model.transformer.vocabularySize })

    let prompt = benchmark.promptProcessing(tokens: 8, repetitions: 3)
    #expect(prompt.count == 3)
    #expect(prompt.samples.allSatisfy { $0 > 0 && $0.isFinite })
    let generation = benchmark.tokenGeneration(tokens: 64, repetitions: 2)
    #expect(generation.count == 2)
    #expect(generation.samples.allSatisfy { $0 > 0 && $0.isFinite })
    let firstToken = benchmark.timeToFirstToken(question: "the cat sat", repetitions: 2)
    #expect(firstToken.seconds.count == 2)
    #expect(firstToken.seconds.samples.allSatisfy { $0 > 0 })
    #expect(firstToken.promptTokens > 0)
  }
}
