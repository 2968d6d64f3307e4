import Hummingbird

/// Every failure leaves as an OpenAI-shaped error: the routes' own, the
/// router's (unknown URL), and anything unexpected as a 500.
struct ErrorMiddleware: RouterMiddleware {
  typealias Context = ServerContext
  /// The request body limit, for the message of a body refused below the routes.
  let bodyLimit: Int

  func handle(
    _ request: Request, context: ServerContext,
    next: (Request, ServerContext) async throws -> Response
  ) async throws -> Response {
    let failure: APIError
    do {
      return try await next(request, context)
    } catch let error as APIError {
      failure = error
    } catch let error as any HTTPResponseError {
      switch error.status {
      case .notFound, .methodNotAllowed: failure = .notFound(request)
      case .contentTooLarge: failure = .bodyTooLarge(limit: bodyLimit)
      default:
        failure = APIError(
          status: error.status, message: "\(error)", type: "invalid_request_error",
          param: nil, code: nil)
      }
    } catch {
      failure = .serverError("The request failed: \(error)")
    }
    if failure.status.code >= 500 || failure.status == .tooManyRequests {
      context.note.set(failure.message)
    } else {
      context.note.set("\(failure.code ?? failure.type): \(failure.message)")
    }
    return failure.response
  }
}
