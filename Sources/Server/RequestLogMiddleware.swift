import Hummingbird
import LLM

/// One line per request on the log, once its response is written (for a
/// stream, when it ends): client, method, path, status, time, and the note.
struct RequestLogMiddleware: RouterMiddleware {
  typealias Context = ServerContext
  let log: @Sendable (String) -> Void

  func handle(
    _ request: Request, context: ServerContext,
    next: (Request, ServerContext) async throws -> Response
  ) async throws -> Response {
    let start = ContinuousClock.now
    let head = "\(context.client) \(request.method) \(request.uri.path)"
    let note = context.note
    let log = self.log
    var response: Response
    do {
      response = try await next(request, context)
    } catch {
      log("\(head) failed: \(error)")
      throw error
    }
    let status = response.status.code
    let body = response.body
    response.body = ResponseBody(contentLength: body.contentLength) { writer in
      func line(_ ending: String) -> String {
        "\(head) \(status)\(ending) \(start.duration(to: .now).inMilliseconds) ms"
          + (note.value.map { ": " + $0 } ?? "")
      }
      do {
        try await body.write(writer)
      } catch {
        log(line(" (not all sent: the client went away)"))
        throw error
      }
      log(line(""))
    }
    return response
  }
}
