import AsyncHTTPClient
import Dispatch
import LLM
import NIOCore
import Stick

/// An OpenAI-compatible server as the engine: the conversation is sent to
/// `/v1/chat/completions` with `stream: true`, and the answer's pieces are passed on as they
/// arrive. It fails (rather than answering) when the server cannot be reached, refuses, is
/// too slow, sends what is not such a stream, or stops in the middle, so the stick can answer
/// with the model on the board instead.
public final class RemoteEngine: AnswerEngine {
  public let settings: RemoteSettings
  private let client: HTTPClient

  /// Pieces accepted beyond the `max_tokens` asked for, as a server may count differently;
  /// past them, a server that ignores the limit is cut off.
  static let extraPieces = 16
  /// The most bytes one token's piece is taken to hold, to bound an answer's size.
  static let bytesPerPiece = 64

  public init(settings: RemoteSettings) {
    self.settings = settings
    var configuration = HTTPClient.Configuration()
    configuration.timeout = HTTPClient.Configuration.Timeout(
      connect: .milliseconds(Int64(settings.connectTimeout.inMilliseconds)))
    // Unreachable is said at once; the model on the board answers meanwhile.
    configuration.connectionPool.retryConnectionEstablishment = false
    // A redirected POST is not what the person set up: it is reported, not followed.
    configuration.redirectConfiguration = .disallow
    client = HTTPClient(
      eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
  }

  deinit {
    // Engines are dropped on the services' threads, never on the client's own.
    try? client.syncShutdown()
  }

  public var modelName: String { settings.displayName }
  /// The server uses its model's own default system prompt.
  public var defaultSystemPrompt: String? { nil }
  public var templateWarning: String? { nil }
  public var promptMeasure: (any PromptMeasure)? { nil }

  public func answer(
    _ prompt: AnswerPrompt, options: GenerationOptions, onText: (String) -> Bool
  ) -> GenerationResult {
    do {
      return try attempt(prompt, options: options, onText: onText)
    } catch {
      return GenerationResult(text: "", stopReason: .cancelled, statistics: GenerationStatistics())
    }
  }

  public func attempt(
    _ prompt: AnswerPrompt, options: GenerationOptions, onText: (String) -> Bool
  ) throws(EngineFailure) -> GenerationResult {
    do {
      return try stream(prompt, options: options, onText: onText)
    } catch let failure {
      throw EngineFailure(failure.error.description, afterText: failure.afterText)
    }
  }

  /// A failure, and whether text had been passed on before it.
  struct StreamFailure: Error {
    let error: RemoteEngineError
    let afterText: Bool
  }

  func stream(
    _ prompt: AnswerPrompt, options: GenerationOptions, onText: (String) -> Bool
  ) throws(StreamFailure) -> GenerationResult {
    let body = RemoteRequest(prompt, model: settings.model, options: options)
    var request = HTTPClientRequest(url: body.url(at: settings.address))
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.headers.add(name: "Accept", value: "text/event-stream")
    if let key = settings.key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
    request.body = .bytes(ByteBuffer(bytes: body.body))
    let handOver = PieceHandOver()
    let exchange = RemoteExchange(
      client: client, request: request, address: settings.address, handOver: handOver)
    let task = Task(executorPreference: ExchangeExecutor.shared) { await exchange.run() }
    defer {
      handOver.leave()
      task.cancel()
    }

    let clock = ContinuousClock()
    let start = clock.now
    var firstPiece: ContinuousClock.Instant?
    var deadline = DispatchTime.now() + settings.firstPieceTimeout.dispatch
    var text = ""
    var pieces = 0
    var finish: StopReason?
    var usage: (prompt: Int?, completion: Int?) = (nil, nil)
    let pieceLimit = options.maxTokens + Self.extraPieces
    let byteLimit = pieceLimit * Self.bytesPerPiece

    func result(_ reason: StopReason) -> GenerationResult {
      let end = clock.now
      var statistics = GenerationStatistics()
      statistics.promptTokens = usage.prompt ?? 0
      statistics.generatedTokens = usage.completion ?? pieces
      statistics.timeToFirstToken = start.duration(to: firstPiece ?? end)
      statistics.promptDuration = statistics.timeToFirstToken
      statistics.generationDuration = (firstPiece ?? end).duration(to: end)
      return GenerationResult(
        text: text, stopReason: reason, statistics: statistics,
        seed: options.sampling.seed ?? 0)
    }
    func failure(_ error: RemoteEngineError) -> StreamFailure {
      StreamFailure(error: error, afterText: pieces > 0)
    }

    while true {
      guard let event = handOver.next(before: deadline) else {
        let wait: RemoteEngineError.Wait = firstPiece == nil ? .firstPiece : .nextPiece
        let limit = firstPiece == nil ? settings.firstPieceTimeout : settings.idleTimeout
        throw failure(.timedOut(settings.address, wait, seconds: Int(limit.inSeconds.rounded())))
      }
      switch event {
      case .piece(let piece):
        if firstPiece == nil { firstPiece = clock.now }
        deadline = DispatchTime.now() + settings.idleTimeout.dispatch
        text += piece
        pieces += 1
        guard onText(piece) else { return result(.cancelled) }
        // A server that ignores max_tokens is not followed forever.
        if pieces >= pieceLimit || text.utf8.count >= byteLimit { return result(.maxTokens) }
      case .finish(let reason):
        finish = reason
        deadline = DispatchTime.now() + settings.idleTimeout.dispatch
      case .usage(let prompt, let completion):
        usage = (prompt, completion)
      case .done:
        return result(finish ?? .endOfGeneration)
      case .closed:
        // Some servers close right after the last chunk; without one, the answer is cut off.
        guard let finish else { throw failure(.cutOff(settings.address)) }
        return result(finish)
      case .failed(let error):
        throw failure(error)
      }
    }
  }
}

extension Duration {
  /// The same span for a dispatch deadline.
  var dispatch: DispatchTimeInterval {
    .milliseconds(max(0, inMilliseconds))
  }
}
