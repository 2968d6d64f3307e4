import GGUF

public enum KernelError: Error, Equatable, CustomStringConvertible {
  /// The engine cannot compute with tensors of this type yet.
  case unsupportedType(tensor: String, type: TensorType)
  case shapeMismatch(tensor: String, expected: [Int], found: [Int])

  public var description: String {
    switch self {
    case .unsupportedType(let tensor, let type):
      "tensor '\(tensor)' is \(type), which this engine cannot compute with "
        + "(it runs F32, F16, BF16, Q8_0, Q4_0 and Q4_1)"
    case .shapeMismatch(let tensor, let expected, let found):
      "tensor '\(tensor)' has shape \(found), expected \(expected)"
    }
  }
}
