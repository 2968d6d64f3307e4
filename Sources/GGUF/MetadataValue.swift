/// The value types of GGUF metadata, numbered as in the format.
public enum MetadataValueType: UInt32, Sendable {
  case uint8 = 0
  case int8 = 1
  case uint16 = 2
  case int16 = 3
  case uint32 = 4
  case int32 = 5
  case float32 = 6
  case bool = 7
  case string = 8
  case array = 9
  case uint64 = 10
  case int64 = 11
  case float64 = 12
}

/// One metadata value. Arrays keep their element type, so an empty array
/// still says what it would hold.
public enum MetadataValue: Sendable, Equatable {
  case uint8(UInt8)
  case int8(Int8)
  case uint16(UInt16)
  case int16(Int16)
  case uint32(UInt32)
  case int32(Int32)
  case float32(Float)
  case bool(Bool)
  case string(String)
  case array(MetadataArray)
  case uint64(UInt64)
  case int64(Int64)
  case float64(Double)

  public var type: MetadataValueType {
    switch self {
    case .uint8: .uint8
    case .int8: .int8
    case .uint16: .uint16
    case .int16: .int16
    case .uint32: .uint32
    case .int32: .int32
    case .float32: .float32
    case .bool: .bool
    case .string: .string
    case .array: .array
    case .uint64: .uint64
    case .int64: .int64
    case .float64: .float64
    }
  }

  /// The value as an integer, when it is one of the integer types and fits.
  public var integer: Int? {
    switch self {
    case .uint8(let v): Int(v)
    case .int8(let v): Int(v)
    case .uint16(let v): Int(v)
    case .int16(let v): Int(v)
    case .uint32(let v): Int(v)
    case .int32(let v): Int(v)
    case .uint64(let v): Int(exactly: v)
    case .int64(let v): Int(exactly: v)
    default: nil
    }
  }

  /// The value as a floating-point number, when it is any number.
  public var float: Double? {
    switch self {
    case .float32(let v): Double(v)
    case .float64(let v): v
    default: integer.map(Double.init)
    }
  }

  public var string: String? {
    if case .string(let v) = self { v } else { nil }
  }

  public var bool: Bool? {
    if case .bool(let v) = self { v } else { nil }
  }

  public var array: MetadataArray? {
    if case .array(let v) = self { v } else { nil }
  }
}

/// A metadata array: a run of values of one type (arrays may nest).
public struct MetadataArray: Sendable, Equatable {
  public let elementType: MetadataValueType
  public let elements: [MetadataValue]

  public init(elementType: MetadataValueType, elements: [MetadataValue]) {
    self.elementType = elementType
    self.elements = elements
  }

  public var count: Int { elements.count }

  /// The elements as strings, when this is an array of strings.
  public var strings: [String]? {
    guard elementType == .string else { return nil }
    return elements.map { $0.string ?? "" }
  }

  /// The elements as floats, when this is an array of numbers.
  public var floats: [Float]? {
    var result: [Float] = []
    result.reserveCapacity(elements.count)
    for element in elements {
      guard let value = element.float else { return nil }
      result.append(Float(value))
    }
    return result
  }

  /// The elements as integers, when this is an array of integers.
  public var integers: [Int]? {
    var result: [Int] = []
    result.reserveCapacity(elements.count)
    for element in elements {
      guard let value = element.integer else { return nil }
      result.append(value)
    }
    return result
  }
}
