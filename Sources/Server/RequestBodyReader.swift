import Foundation
import Hummingbird

extension Request {
  /// The body, refused (413) past `limit` bytes before more is read.
  func bodyData(limit: Int) async throws -> Data {
    if let length = headers[.contentLength].flatMap(Int.init), length > limit {
      throw APIError.bodyTooLarge(limit: limit)
    }
    var data = Data()
    for try await buffer in body {
      guard data.count + buffer.readableBytes <= limit else {
        throw APIError.bodyTooLarge(limit: limit)
      }
      data.append(contentsOf: buffer.readableBytesView)
    }
    return data
  }
}
