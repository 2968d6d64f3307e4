/// Why a file's bytes could not be read as text. The file is left alone and not answered.
public enum PromptFileError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The file holds binary data (NUL bytes or many control characters): a picture, a program,
  /// UTF-16 text without its byte order mark.
  case binary
  /// The file looks like text but is not valid in its encoding; the reason says where and why.
  case undecodable(String)

  public var description: String {
    switch self {
    case .binary:
      "it holds binary data, not text; save it as plain text (UTF-8 or Unicode)"
    case .undecodable(let reason):
      "its text cannot be read: \(reason); save it as plain text (UTF-8 or Unicode)"
    }
  }
}
