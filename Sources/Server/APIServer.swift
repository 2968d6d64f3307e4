import Hummingbird
import Logging
import ServiceLifecycle
import Stick

/// The OpenAI-compatible HTTP API: `GET /v1/models`, `POST
/// /v1/chat/completions`, `POST /v1/completions` and `GET /health`, over the
/// same queue and engine as the files on the stick.
public struct APIServer: Sendable {
  public let settings: ServerSettings
  let routes: APIRoutes
  let log: @Sendable (String) -> Void

  /// Serves `engine` through `queue`, which the program may share with its
  /// file services. `log` gets one line per request.
  public init(
    settings: ServerSettings, queue: AnswerQueue, engine: EngineReference,
    log: @escaping @Sendable (String) -> Void
  ) {
    self.settings = settings
    routes = APIRoutes(queue: queue, engine: engine, bodyLimit: settings.bodyLimit)
    self.log = log
  }

  /// Serves until `stop` returns, then lets the responses being written end
  /// and returns. Throws when the address cannot be listened on.
  /// `onListening` gets the address listened on (the port, when 0 was asked).
  public func run(
    until stop: @escaping @Sendable () async -> Void,
    onListening: @escaping @Sendable (ListenAddress) -> Void = { _ in }
  ) async throws {
    // The log lines are this program's own; the framework's are not shown.
    let quiet = Logger(label: "aistick.http") { _ in SwiftLogNoOpLogHandler() }
    let application = Application(
      router: router(),
      configuration: .init(
        address: .hostname(settings.address.host, port: settings.address.port),
        serverName: "aistick"),
      onServerRunning: { [settings] channel in
        let port = channel.localAddress?.port ?? settings.address.port
        onListening(ListenAddress(host: settings.address.host, port: port))
      },
      logger: quiet)
    let services = ServiceGroup(
      services: [application], gracefulShutdownSignals: [], cancellationSignals: [], logger: quiet)
    try await withThrowingTaskGroup(of: Bool.self) { tasks in
      tasks.addTask {
        try await services.run()
        return true
      }
      tasks.addTask {
        await stop()
        await services.triggerGracefulShutdown()
        return false
      }
      // A server that ends on its own leaves nothing to wait for `stop`;
      // one that fails throws out of here, which cancels the waiting too.
      while let serverEnded = try await tasks.next() {
        if serverEnded { tasks.cancelAll() }
      }
    }
  }

  func router() -> Router<ServerContext> {
    let router = Router(context: ServerContext.self)
    // Middleware first: each route is built with the middleware added before it.
    router.add(middleware: RequestLogMiddleware(log: log))
    router.add(middleware: ErrorMiddleware(bodyLimit: settings.bodyLimit))
    router.add(middleware: APIKeyMiddleware(key: settings.apiKey))
    let routes = self.routes
    router.get("/health") { request, context in routes.health(request, context: context) }
    router.get("/v1/models") { request, context in routes.models(request, context: context) }
    router.get("/v1/models/{id}") { request, context in
      try routes.model(request, context: context)
    }
    router.post("/v1/chat/completions") { request, context in
      try await routes.chatCompletions(request, context: context)
    }
    router.post("/v1/completions") { request, context in
      try await routes.completions(request, context: context)
    }
    return router
  }
}
