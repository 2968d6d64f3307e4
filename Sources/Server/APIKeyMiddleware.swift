import Foundation
import Hummingbird

/// When the server has a key, every `/v1` request must send it as
/// `Authorization: Bearer <key>`; `/health` stays open for monitoring.
struct APIKeyMiddleware: RouterMiddleware {
  typealias Context = ServerContext
  let key: String?

  func handle(
    _ request: Request, context: ServerContext,
    next: (Request, ServerContext) async throws -> Response
  ) async throws -> Response {
    guard let key, request.uri.path == "/v1" || request.uri.path.hasPrefix("/v1/") else {
      return try await next(request, context)
    }
    guard let authorization = request.headers[.authorization] else { throw APIError.missingKey }
    let parts = authorization.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw APIError.missingKey }
    guard Self.same(parts[1].trimmingCharacters(in: .whitespaces), key) else {
      throw APIError.wrongKey
    }
    return try await next(request, context)
  }

  /// Compares in a time that does not depend on where the texts differ.
  static func same(_ given: String, _ key: String) -> Bool {
    let given = Array(given.utf8)
    let key = Array(key.utf8)
    var difference = given.count ^ key.count
    for index in 0..<max(given.count, key.count) {
      let a = index < given.count ? given[index] : 0
      let b = index < key.count ? key[index] : 0
      difference |= Int(a ^ b)
    }
    return difference == 0
  }
}
