import Foundation
import Hummingbird

/// An error as OpenAI's API gives it, so its clients show the message:
/// `{"error": {"message", "type", "param", "code"}}` with a fitting status.
struct APIError: Error, Sendable, Equatable {
  var status: HTTPResponse.Status
  var message: String
  var type: String
  var param: String?
  var code: String?
  var headers: HTTPFields = [:]

  static func invalidRequest(
    _ message: String, param: String? = nil, code: String? = nil,
    status: HTTPResponse.Status = .badRequest
  ) -> APIError {
    APIError(
      status: status, message: message, type: "invalid_request_error", param: param, code: code)
  }

  static func invalidJSON(_ detail: String) -> APIError {
    .invalidRequest("The request body is not valid JSON: \(detail)", code: "invalid_json")
  }

  static func missing(_ param: String) -> APIError {
    .invalidRequest(
      "Missing required parameter: '\(param)'.", param: param, code: "missing_required_parameter")
  }

  static func wrongType(_ param: String, expected: String) -> APIError {
    .invalidRequest(
      param.isEmpty
        ? "The request body must be a JSON object."
        : "Invalid type for '\(param)': expected \(expected).",
      param: param.isEmpty ? nil : param, code: "invalid_type")
  }

  static func invalidValue(_ param: String, _ message: String) -> APIError {
    .invalidRequest(message, param: param, code: "invalid_value")
  }

  static func unknownModel(_ name: String) -> APIError {
    .invalidRequest(
      "The model '\(name)' does not exist; GET /v1/models lists the one served here.",
      param: "model", code: "model_not_found", status: .notFound)
  }

  static func contextExceeded(
    promptTokens: Int, contextLength: Int, param: String
  ) -> APIError {
    .invalidRequest(
      "This model's maximum context length is \(contextLength) tokens, and the prompt takes "
        + "\(promptTokens), leaving no room for an answer. Shorten the \(param).",
      param: param, code: "context_length_exceeded")
  }

  static func bodyTooLarge(limit: Int) -> APIError {
    .invalidRequest(
      "The request body is larger than \(limit) bytes.", code: "request_too_large",
      status: .contentTooLarge)
  }

  static func busy(retryAfter: Duration) -> APIError {
    let seconds = max(1, Int(retryAfter.components.seconds) + 1)
    var error = APIError(
      status: .tooManyRequests,
      message: "The model is busy and its queue is full. Try again in about \(seconds) s.",
      type: "rate_limit_error", param: nil, code: "queue_full")
    error.headers[.retryAfter] = "\(seconds)"
    return error
  }

  static let missingKey = APIError(
    status: .unauthorized,
    message: "No API key was given. Send it as 'Authorization: Bearer <key>'.",
    type: "invalid_request_error", param: nil, code: "missing_api_key")

  static let wrongKey = APIError(
    status: .unauthorized, message: "The API key is not the one this server was given.",
    type: "invalid_request_error", param: nil, code: "invalid_api_key")

  static func notFound(_ request: Request) -> APIError {
    .invalidRequest(
      "Unknown request URL: \(request.method) \(request.uri.path).", code: "unknown_url",
      status: .notFound)
  }

  static let stopping = APIError(
    status: .serviceUnavailable, message: "The server is stopping; the answer was not finished.",
    type: "server_error", param: nil, code: "server_stopping")

  static func serverError(_ message: String) -> APIError {
    APIError(
      status: .internalServerError, message: message, type: "server_error", param: nil,
      code: nil)
  }

  /// The JSON body: the error object under "error", with nulls spelled out.
  var body: Data { JSONCoding.encode(["error": self]) }

  var response: Response {
    var headers = headers
    headers[.contentType] = "application/json"
    return Response(
      status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
  }
}

extension APIError: Encodable {
  private enum CodingKeys: String, CodingKey {
    case message, type, param, code
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(message, forKey: .message)
    try container.encode(type, forKey: .type)
    try container.encode(param, forKey: .param)
    try container.encode(code, forKey: .code)
  }
}

extension APIError: HTTPResponseError {
  func response(from request: Request, context: some RequestContext) throws -> Response {
    response
  }
}
