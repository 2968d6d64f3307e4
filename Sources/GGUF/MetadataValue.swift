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
///
/// An array read from a file stays where it is in the map, already checked,
/// and is decoded each time it is read: a vocabulary's tens of thousands of
/// strings would otherwise be kept twice, here and by the tokenizer.
public struct MetadataArray: Sendable, Equatable {
  public let elementType: MetadataValueType
  public let count: Int
  private let storage: Storage

  private enum Storage: Sendable {
    case values([MetadataValue])
    /// `count` elements of `elementType` in the file's encoding, in `bytes`
    /// of `memory`; every one was read and checked when the file was opened.
    case encoded(memory: MappedMemory, bytes: Range<Int>)
  }

  public init(elementType: MetadataValueType, elements: [MetadataValue]) {
    self.elementType = elementType
    count = elements.count
    storage = .values(elements)
  }

  /// `count` checked elements in `bytes` of `memory` (see `GGUFFile`).
  init(elementType: MetadataValueType, count: Int, memory: MappedMemory, bytes: Range<Int>) {
    self.elementType = elementType
    self.count = count
    storage = .encoded(memory: memory, bytes: bytes)
  }

  public static func == (left: MetadataArray, right: MetadataArray) -> Bool {
    left.elementType == right.elementType && left.elements == right.elements
  }

  /// Calls `body` with each element in order, decoding as it goes.
  public func forEach(_ body: (MetadataValue) throws -> Void) rethrows {
    switch storage {
    case .values(let values):
      for value in values { try body(value) }
    case .encoded(let memory, let bytes):
      var reader = Self.reader(of: bytes, in: memory)
      for _ in 0..<count { try body(Self.decode(elementType, from: &reader)) }
    }
  }

  /// Element `index`, found by reading past the ones before it.
  public func element(at index: Int) -> MetadataValue {
    precondition(index >= 0 && index < count, "element \(index) of \(count)")
    switch storage {
    case .values(let values): return values[index]
    case .encoded(let memory, let bytes):
      var reader = Self.reader(of: bytes, in: memory)
      for _ in 0..<index { _ = Self.decode(elementType, from: &reader) }
      return Self.decode(elementType, from: &reader)
    }
  }

  /// Reads the encoded elements and nothing past them.
  private static func reader(of bytes: Range<Int>, in memory: MappedMemory) -> ByteReader {
    ByteReader(
      UnsafeRawBufferPointer(start: memory.base, count: bytes.upperBound), offset: bytes.lowerBound)
  }

  /// One element of a checked encoding: it cannot fail, having been read
  /// once already.
  private static func decode(
    _ type: MetadataValueType, from reader: inout ByteReader
  ) -> MetadataValue {
    do {
      return try MetadataValue.read(type, key: "", depth: 1, from: &reader)
    } catch {
      preconditionFailure("metadata checked when the file was opened: \(error)")
    }
  }

  public var elements: [MetadataValue] {
    var result: [MetadataValue] = []
    result.reserveCapacity(count)
    forEach { result.append($0) }
    return result
  }

  /// The elements as strings, when this is an array of strings.
  public var strings: [String]? {
    guard elementType == .string else { return nil }
    var result: [String] = []
    result.reserveCapacity(count)
    forEach { result.append($0.string ?? "") }
    return result
  }

  /// The elements as floats, when this is an array of numbers.
  public var floats: [Float]? {
    var result: [Float] = []
    result.reserveCapacity(count)
    var allNumbers = true
    forEach { element in
      if let value = element.float { result.append(Float(value)) } else { allNumbers = false }
    }
    return allNumbers ? result : nil
  }

  /// The elements as integers, when this is an array of integers.
  public var integers: [Int]? {
    var result: [Int] = []
    result.reserveCapacity(count)
    var allIntegers = true
    forEach { element in
      if let value = element.integer { result.append(value) } else { allIntegers = false }
    }
    return allIntegers ? result : nil
  }
}
