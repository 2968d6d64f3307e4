import GGUF
import Tokenizer

/// Measures a loaded model the way llama-bench measures llama.cpp, so the two
/// tools' figures can be set side by side: "pp N" runs N prompt tokens as one
/// prefill from position 0, "tg N" runs N single-token steps from position 0.
/// Neither samples nor decodes text, as there. Each measurement runs once
/// untimed first, so page faults and cold caches stay out of the samples.
public struct Benchmark {
  public let model: LanguageModel
  /// The token ids fed to the model, cycled: real text, so the embedding
  /// rows read and the attention patterns are those of a real prompt.
  private let sampleTokens: [Int32]

  /// The text whose tokens the measurements feed.
  static let sampleText = """
    The quick brown fox jumps over the lazy dog. A small board plugged into a computer \
    answers questions written in text files, one token at a time, from a model kept in \
    its own memory. Rivers, mountains and cities: the capital of France is Paris, the \
    longest river in Africa is the Nile, and water boils at one hundred degrees Celsius.
    """

  public init(model: LanguageModel) {
    self.model = model
    let vocabulary = model.transformer.vocabularySize
    var tokens = model.tokenizer.encode(Self.sampleText, parseSpecial: false)
      .filter { $0 >= 0 && Int($0) < vocabulary }
    if let first = model.tokenizer.beginningOfSequence, Int(first) < vocabulary {
      tokens.insert(first, at: 0)
    }
    if tokens.count < 2 {
      // A vocabulary that cannot spell the text: ids spread over all of it.
      tokens = (0..<64).map { Int32(($0 * 7919 + 1) % vocabulary) }
    }
    sampleTokens = tokens
  }

  /// The first `count` ids of the sample text, cycled as often as needed.
  func tokens(_ count: Int) -> [Int32] {
    (0..<count).map { sampleTokens[$0 % sampleTokens.count] }
  }

  /// The longest test this model's context holds.
  public var longestTest: Int { model.transformer.contextLength }

  /// Tokens per second of each of `repetitions` prefills of `count` tokens
  /// (1 ≤ count ≤ `longestTest`).
  public func promptProcessing(tokens count: Int, repetitions: Int) -> SampleStatistics {
    precondition(count >= 1 && count <= longestTest)
    let transformer = model.transformer
    let prompt = tokens(count)
    return measure(tokens: count, repetitions: repetitions) {
      _ = transformer.prefill(prompt[...], from: 0)
    }
  }

  /// Tokens per second of each of `repetitions` runs of `count` single-token
  /// steps (1 ≤ count ≤ `longestTest`).
  public func tokenGeneration(tokens count: Int, repetitions: Int) -> SampleStatistics {
    precondition(count >= 1 && count <= longestTest)
    let transformer = model.transformer
    let steps = tokens(count)
    return measure(tokens: count, repetitions: repetitions) {
      for (position, token) in steps.enumerated() {
        _ = transformer.forward(token: token, position: position)
      }
    }
  }

  /// How long a question waits for its first token.
  public struct FirstTokenTiming: Sendable {
    /// Seconds of each repetition.
    public let seconds: SampleStatistics
    /// The question's tokens through the chat template.
    public let promptTokens: Int
    /// Whether the context was too short for the whole question.
    public let wasCut: Bool
  }

  /// Times asking `question` through the chat template until the first
  /// greedy token, with a fresh generator each time so no cached prompt is
  /// reused: what a person waits before the answer starts.
  public func timeToFirstToken(question: String, repetitions: Int) -> FirstTokenTiming {
    let options = GenerationOptions(maxTokens: 1, sampling: .greedy)
    let clock = ContinuousClock()
    var last: GenerationResult?
    let ask = {
      let generator = Generator(model: model)
      let start = clock.now
      last = generator.chat([.user(question)], options: options)
      return start.duration(to: clock.now).inSeconds
    }
    _ = ask()
    let seconds = SampleStatistics((0..<max(1, repetitions)).map { _ in ask() })
    return FirstTokenTiming(
      seconds: seconds, promptTokens: last?.statistics.promptTokens ?? 0,
      wasCut: last?.promptNote != nil)
  }

  /// Runs `body` once untimed, then `repetitions` times timed, and gives
  /// `tokens` per second of each timed run.
  private func measure(tokens: Int, repetitions: Int, _ body: () -> Void) -> SampleStatistics {
    let clock = ContinuousClock()
    body()
    var samples: [Double] = []
    for _ in 0..<max(1, repetitions) {
      let seconds = clock.measure(body).inSeconds
      samples.append(seconds > 0 ? Double(tokens) / seconds : 0)
    }
    return SampleStatistics(samples)
  }

  /// Bytes of weights one decode step reads: every tensor once, except that
  /// the token embedding costs one row, unless it doubles as the output
  /// matrix, when it is read whole. Memory bandwidth divided by this bounds
  /// the decode speed on a machine where the weights do not fit the caches.
  public static func weightBytesPerToken(file: GGUFFile) -> Int {
    let tied = file.tensor(named: "output.weight") == nil
    return file.tensors.reduce(0) { total, tensor in
      guard tensor.name == "token_embd.weight", !tied else { return total + tensor.byteCount }
      return total + tensor.byteCount / max(1, tensor.rowCount)
    }
  }

  /// The bytes of all tensors: the model size llama-bench reports.
  public static func tensorBytes(file: GGUFFile) -> Int {
    file.tensors.reduce(0) { $0 + $1.byteCount }
  }
}
