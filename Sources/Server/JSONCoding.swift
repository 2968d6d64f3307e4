import Foundation

/// JSON in and out, and decoding failures told as OpenAI tells them: which
/// parameter is missing or of the wrong type.
enum JSONCoding {
  static func encode(_ value: some Encodable) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // Every type encoded here is plain data: encoding cannot fail.
    return (try? encoder.encode(value)) ?? Data("{}".utf8)
  }

  static func decode<Value: Decodable>(_ type: Value.Type, from data: Data) throws
    -> Value
  {
    do {
      return try JSONDecoder().decode(type, from: data)
    } catch let error as APIError {
      throw error
    } catch let error as DecodingError {
      throw apiError(error)
    } catch {
      throw APIError.invalidJSON("\(error)")
    }
  }

  static func apiError(_ error: DecodingError) -> APIError {
    switch error {
    case .keyNotFound(let key, let context):
      return .missing(path(context.codingPath + [key]))
    case .typeMismatch(let type, let context):
      return .wrongType(path(context.codingPath), expected: describe(type))
    case .valueNotFound(let type, let context):
      return .wrongType(path(context.codingPath), expected: describe(type) + ", not null")
    case .dataCorrupted(let context):
      if context.codingPath.isEmpty {
        return .invalidJSON(
          (context.underlyingError.map { "\($0)" } ?? context.debugDescription))
      }
      return .invalidValue(
        path(context.codingPath),
        "Invalid value for '\(path(context.codingPath))': \(context.debugDescription)")
    @unknown default:
      return .invalidJSON("\(error)")
    }
  }

  /// A coding path as OpenAI names parameters: `messages[0].content`.
  static func path(_ keys: [any CodingKey]) -> String {
    var text = ""
    for key in keys {
      if let index = key.intValue {
        text += "[\(index)]"
      } else {
        text += text.isEmpty ? key.stringValue : "." + key.stringValue
      }
    }
    return text
  }

  static func describe(_ type: Any.Type) -> String {
    if let described = type as? any DescribedJSONType.Type { return described.jsonDescription }
    switch type {
    case is String.Type: return "a string"
    case is Bool.Type: return "a boolean"
    case is Int.Type, is Int64.Type: return "an integer"
    case is Double.Type: return "a number"
    default:
      return String(describing: type).hasPrefix("Array<") ? "an array" : "an object"
    }
  }
}

/// A request field with its own name for what it expects, used in errors.
protocol DescribedJSONType {
  static var jsonDescription: String { get }
}
