/// Why a GGUF file could not be read. Each case names what is wrong and where,
/// so a person who dropped a broken model on the stick learns what to fix.
public enum GGUFError: Error, Equatable, CustomStringConvertible {
  /// The file could not be opened or mapped.
  case cannotOpen(path: String, reason: String)
  /// The first four bytes are not `GGUF`.
  case notGGUF
  /// A version this reader does not know (it reads 2 and 3).
  case unsupportedVersion(UInt32)
  /// The file ends before `what` at byte `offset`.
  case truncated(what: String, offset: Int)
  /// A count or size in the header cannot be right for a file of this size.
  case implausible(what: String, value: UInt64)
  /// A metadata value type number that GGUF does not define.
  case unknownValueType(key: String, type: UInt32)
  /// A string that is not valid UTF-8.
  case invalidUTF8(what: String)
  /// The same metadata key or tensor name appears twice.
  case duplicate(what: String)
  /// `general.alignment` is not a power of two.
  case badAlignment(UInt64)
  /// A tensor's type number is not one this reader can size.
  case unknownTensorType(tensor: String, type: UInt32)
  /// A tensor's shape is not valid for its type.
  case badShape(tensor: String, reason: String)
  /// A tensor's data would lie outside the file or is misaligned.
  case tensorOutOfBounds(tensor: String)
  /// A metadata key is missing or has the wrong type.
  case missingKey(String)
  case wrongType(key: String, expected: String)

  public var description: String {
    switch self {
    case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
    case .notGGUF: "not a GGUF file (the first bytes are not 'GGUF')"
    case .unsupportedVersion(let version):
      "GGUF version \(version) is not supported (versions 2 and 3 are)"
    case .truncated(let what, let offset): "the file is truncated: \(what) at byte \(offset)"
    case .implausible(let what, let value): "the file is damaged: \(what) is \(value)"
    case .unknownValueType(let key, let type): "metadata '\(key)' has unknown value type \(type)"
    case .invalidUTF8(let what): "\(what) is not valid UTF-8"
    case .duplicate(let what): "\(what) appears twice"
    case .badAlignment(let value): "general.alignment \(value) is not a power of two"
    case .unknownTensorType(let tensor, let type):
      "tensor '\(tensor)' has tensor type \(type), which this engine does not know"
    case .badShape(let tensor, let reason): "tensor '\(tensor)' has a bad shape: \(reason)"
    case .tensorOutOfBounds(let tensor):
      "tensor '\(tensor)' points outside the file or is misaligned"
    case .missingKey(let key): "metadata '\(key)' is missing"
    case .wrongType(let key, let expected): "metadata '\(key)' is not \(expected)"
    }
  }
}
