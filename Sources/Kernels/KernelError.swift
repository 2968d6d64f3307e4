import GGUF

public enum KernelError: Error, Equatable, CustomStringConvertible {
  /// The engine cannot compute with tensors of this type yet.
  case unsupportedType(tensor: String, type: TensorType)
  case shapeMismatch(tensor: String, expected: [Int], found: [Int])
  /// Rows whose length is not a whole number of the type's blocks.
  case partialBlocks(tensor: String, type: TensorType, columns: Int)

  public var description: String {
    switch self {
    case .unsupportedType(let tensor, let type):
      "tensor '\(tensor)' is \(type), which this engine cannot compute with "
        + "(it runs F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K "
        + "and Q6_K)"
    case .shapeMismatch(let tensor, let expected, let found):
      "tensor '\(tensor)' has shape \(found), expected \(expected)"
    case .partialBlocks(let tensor, let type, let columns):
      "tensor '\(tensor)' has rows of \(columns), which do not fill \(type) blocks of "
        + "\(type.blockElements)"
    }
  }
}
