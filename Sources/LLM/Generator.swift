import Tokenizer

/// What a generation is asked to do.
public struct GenerationOptions: Sendable {
  /// The most tokens to generate.
  public var maxTokens: Int = 256
  public var sampling = SamplingOptions()

  public init(maxTokens: Int = 256, sampling: SamplingOptions = SamplingOptions()) {
    self.maxTokens = maxTokens
    self.sampling = sampling
  }
}

/// Why a generation ended.
public enum StopReason: String, Sendable {
  /// The model produced an end-of-generation token.
  case endOfGeneration = "stop"
  /// `maxTokens` were generated.
  case maxTokens = "length"
  /// The context is full.
  case contextFull = "context"
  /// The caller asked to stop.
  case cancelled
}

/// Timing figures of one generation.
public struct GenerationStatistics: Sendable {
  public var promptTokens = 0
  /// Prompt tokens whose keys and values were already cached.
  public var reusedPromptTokens = 0
  public var generatedTokens = 0
  public var promptDuration = Duration.zero
  public var generationDuration = Duration.zero
  /// From the call to the first generated token being available.
  public var timeToFirstToken = Duration.zero

  public init() {}

  public var promptTokensPerSecond: Double {
    Self.rate(promptTokens - reusedPromptTokens, promptDuration)
  }
  public var generatedTokensPerSecond: Double { Self.rate(generatedTokens, generationDuration) }

  static func rate(_ count: Int, _ duration: Duration) -> Double {
    let seconds = duration.inSeconds
    return seconds > 0 ? Double(count) / seconds : 0
  }
}

/// The outcome of one generation.
public struct GenerationResult: Sendable {
  public var text: String
  public var tokens: [Int32]
  public var stopReason: StopReason
  public var statistics: GenerationStatistics
  /// The seed the sampler used.
  public var seed: UInt64
  /// Set when the prompt had to be shortened to fit the context, saying how.
  public var promptNote: String?

  /// A result made elsewhere: by a server the answer came from.
  public init(
    text: String, tokens: [Int32] = [], stopReason: StopReason,
    statistics: GenerationStatistics, seed: UInt64 = 0, promptNote: String? = nil
  ) {
    self.text = text
    self.tokens = tokens
    self.stopReason = stopReason
    self.statistics = statistics
    self.seed = seed
    self.promptNote = promptNote
  }
}

/// Streams text from a model, one conversation at a time. It keeps the
/// tokens whose keys and values are in the cache, so a follow-up that
/// extends the previous prompt only computes what is new.
public final class Generator {
  public let model: LanguageModel
  private var cachedTokens: [Int32] = []

  public init(model: LanguageModel) {
    self.model = model
  }

  private var contextLength: Int { model.transformer.contextLength }

  /// Answers a conversation, rendered with the model's chat template.
  ///
  /// When the conversation does not fit the context with room for the
  /// answer, the oldest turns after the system prompt are dropped first;
  /// if the latest message alone is still too long, its beginning is cut so
  /// the end (usually the question) is kept.
  public func chat(
    _ messages: [ChatMessage], options: GenerationOptions,
    onText: (String) -> Bool = { _ in true }
  ) -> GenerationResult {
    let (tokens, note) = fitConversation(messages, options: options)
    var result = generate(promptTokens: tokens, options: options, onText: onText)
    result.promptNote = note
    return result
  }

  /// Continues `text` as it is, with no template. A text longer than the
  /// context keeps its end.
  public func complete(
    _ text: String, options: GenerationOptions, onText: (String) -> Bool = { _ in true }
  ) -> GenerationResult {
    var tokens = model.promptTokens(forText: text)
    let budget = promptBudget(options)
    var note: String?
    if tokens.count > budget {
      note = "the text was \(tokens.count) tokens; only its last \(budget) were used"
      tokens = Array(tokens.suffix(budget))
    }
    var result = generate(promptTokens: tokens, options: options, onText: onText)
    result.promptNote = note
    return result
  }

  /// The prompt may take the context less room for the answer (up to half).
  func promptBudget(_ options: GenerationOptions) -> Int {
    model.promptBudget(maxTokens: options.maxTokens)
  }

  func tokenize(_ messages: [ChatMessage]) -> [Int32] {
    model.promptTokens(for: messages)
  }

  private func fitConversation(
    _ messages: [ChatMessage], options: GenerationOptions
  ) -> ([Int32], String?) {
    let budget = promptBudget(options)
    var kept = messages
    var tokens = tokenize(kept)
    var dropped = 0
    // Drop the oldest turns after any system message, keeping the last one.
    while tokens.count > budget {
      guard let first = kept.firstIndex(where: { $0.role != .system }), first < kept.count - 1
      else { break }
      kept.remove(at: first)
      dropped += 1
      tokens = tokenize(kept)
    }
    var note: String? = dropped > 0 ? "the \(dropped) oldest turns were left out to fit" : nil
    if tokens.count > budget, let last = kept.indices.last {
      // Cut the latest message from its start until it fits.
      let content = Array(kept[last].content)
      var low = 0
      var high = content.count
      while low < high {
        let middle = (low + high) / 2
        kept[last].content = String(content[middle...])
        if tokenize(kept).count > budget { low = middle + 1 } else { high = middle }
      }
      kept[last].content = String(content[low...])
      tokens = tokenize(kept)
      note = "the message was too long; only its last \(content.count - low) characters were used"
      if tokens.count > budget { tokens = Array(tokens.suffix(budget)) }
    }
    return (tokens, note)
  }

  /// Generates after `promptTokens`, calling `onText` with each piece of
  /// text as soon as it is complete UTF-8. Returning false from `onText`
  /// stops the generation.
  public func generate(
    promptTokens: [Int32], options: GenerationOptions, onText: (String) -> Bool = { _ in true }
  ) -> GenerationResult {
    let clock = ContinuousClock()
    let start = clock.now
    let transformer = model.transformer
    let tokenizer = model.tokenizer
    var sampler = Sampler(vocabularySize: transformer.vocabularySize, options: options.sampling)
    var statistics = GenerationStatistics()
    var prompt = promptTokens.filter { $0 >= 0 && Int($0) < transformer.vocabularySize }
    if prompt.isEmpty { prompt = [tokenizer.beginningOfSequence ?? 0] }
    if prompt.count > contextLength - 1 { prompt = Array(prompt.suffix(contextLength - 1)) }
    statistics.promptTokens = prompt.count

    // Reuse the cached prefix; the last prompt token always runs for its logits.
    var reused = 0
    while reused < min(cachedTokens.count, prompt.count - 1), cachedTokens[reused] == prompt[reused]
    {
      reused += 1
    }
    statistics.reusedPromptTokens = reused
    cachedTokens = Array(prompt[..<reused])
    var logits = transformer.prefill(prompt[reused...], from: reused)
    cachedTokens.append(contentsOf: prompt[reused...])
    statistics.promptDuration = start.duration(to: clock.now)

    let generationStart = clock.now
    var decoder = StreamingDecoder(tokenizer: tokenizer)
    var text = ""
    var generated: [Int32] = []
    var history = prompt
    var stopReason = StopReason.maxTokens
    while generated.count < options.maxTokens {
      let token = sampler.sample(
        logits: logits, count: transformer.vocabularySize, history: history[...])
      if generated.isEmpty { statistics.timeToFirstToken = start.duration(to: clock.now) }
      if tokenizer.endOfGeneration.contains(token) {
        stopReason = .endOfGeneration
        break
      }
      generated.append(token)
      history.append(token)
      let piece = decoder.append(token)
      text += piece
      if !piece.isEmpty && !onText(piece) {
        stopReason = .cancelled
        break
      }
      if generated.count == options.maxTokens { break }
      let position = cachedTokens.count
      guard position < contextLength else {
        stopReason = .contextFull
        break
      }
      logits = transformer.forward(token: token, position: position)
      cachedTokens.append(token)
    }
    let rest = decoder.finish()
    if !rest.isEmpty {
      text += rest
      _ = onText(rest)
    }
    statistics.generatedTokens = generated.count
    statistics.generationDuration = generationStart.duration(to: clock.now)
    return GenerationResult(
      text: text, tokens: generated, stopReason: stopReason, statistics: statistics,
      seed: sampler.seed, promptNote: nil)
  }
}
