/// One tensor's entry in the file: its name, shape and where its bytes lie.
public struct TensorInfo: Sendable, Equatable {
  public let name: String
  /// The shape, innermost (contiguous) dimension first, as ggml numbers them.
  public let dimensions: [Int]
  public let type: TensorType
  /// Absolute byte offset of the data in the file.
  public let offset: Int
  public let byteCount: Int

  public var elementCount: Int { dimensions.reduce(1, *) }
  /// Elements in one row (the contiguous dimension).
  public var rowElements: Int { dimensions.first ?? 1 }
  /// Rows: every dimension past the first.
  public var rowCount: Int { dimensions.dropFirst().reduce(1, *) }
}

/// A GGUF model file: metadata and a table of tensors whose bytes are
/// viewed in place in the memory map, never copied.
///
/// Every count, offset and size is checked while reading, so a truncated or
/// hostile file throws a `GGUFError` instead of reading outside the file.
public final class GGUFFile: Sendable {
  public static let defaultAlignment = 32
  /// The most dimensions a ggml tensor has.
  public static let maximumDimensions = 4

  public let version: UInt32
  public let metadata: [String: MetadataValue]
  /// Metadata keys in file order.
  public let metadataKeys: [String]
  /// Tensors in file order.
  public let tensors: [TensorInfo]
  public let alignment: Int
  /// Where the tensor data section starts.
  public let dataOffset: Int
  public let memory: MappedMemory
  private let tensorIndex: [String: Int]

  /// Maps and reads the file at `path`.
  public convenience init(path: String) throws(GGUFError) {
    try self.init(memory: MappedMemory(path: path))
  }

  /// Reads a GGUF image already in memory.
  public init(memory: MappedMemory) throws(GGUFError) {
    self.memory = memory
    var reader = ByteReader(memory.buffer)
    guard try reader.read(UInt32.self, "the magic") == 0x4655_4747 else { throw .notGGUF }
    version = try reader.read(UInt32.self, "the version")
    guard version == 2 || version == 3 else { throw .unsupportedVersion(version) }
    // A tensor entry takes at least 8+4+8+4+8 bytes; a key-value pair 8+4+1.
    let tensorCount = try reader.readCount(minimumElementBytes: 32, "the tensor count")
    let metadataCount = try reader.readCount(minimumElementBytes: 13, "the metadata count")

    var metadata: [String: MetadataValue] = [:]
    var keys: [String] = []
    metadata.reserveCapacity(metadataCount)
    for index in 0..<metadataCount {
      let key = try reader.readString("metadata key \(index)")
      let rawType = try reader.read(UInt32.self, "the type of '\(key)'")
      guard let type = MetadataValueType(rawValue: rawType) else {
        throw .unknownValueType(key: key, type: rawType)
      }
      let value = try MetadataValue.read(type, key: key, depth: 0, from: &reader, in: memory)
      guard metadata.updateValue(value, forKey: key) == nil else {
        throw .duplicate(what: "metadata '\(key)'")
      }
      keys.append(key)
    }

    var alignment = Self.defaultAlignment
    if let value = metadata["general.alignment"] {
      guard let number = value.integer, number > 0, number & (number - 1) == 0,
        number <= 1 << 20
      else {
        throw .badAlignment(UInt64(truncatingIfNeeded: value.integer ?? 0))
      }
      alignment = number
    }

    var entries: [(name: String, dimensions: [Int], type: TensorType, offset: UInt64)] = []
    entries.reserveCapacity(tensorCount)
    var index: [String: Int] = [:]
    for number in 0..<tensorCount {
      let name = try reader.readString("tensor name \(number)")
      let dimensionCount = try reader.read(UInt32.self, "the dimension count of '\(name)'")
      guard dimensionCount >= 1, dimensionCount <= Self.maximumDimensions else {
        throw .badShape(tensor: name, reason: "\(dimensionCount) dimensions")
      }
      var dimensions: [Int] = []
      var elements = 1
      for _ in 0..<dimensionCount {
        let dimension = try reader.read(UInt64.self, "the shape of '\(name)'")
        guard dimension >= 1, dimension <= UInt64(Int32.max) else {
          throw .badShape(tensor: name, reason: "dimension \(dimension)")
        }
        let (product, overflow) = elements.multipliedReportingOverflow(by: Int(dimension))
        guard !overflow, product <= memory.count * 8 else {
          throw .badShape(tensor: name, reason: "more elements than the file can hold")
        }
        elements = product
        dimensions.append(Int(dimension))
      }
      let rawType = try reader.read(UInt32.self, "the type of '\(name)'")
      guard let type = TensorType(rawValue: rawType) else {
        throw .unknownTensorType(tensor: name, type: rawType)
      }
      let offset = try reader.read(UInt64.self, "the offset of '\(name)'")
      guard index.updateValue(entries.count, forKey: name) == nil else {
        throw .duplicate(what: "tensor '\(name)'")
      }
      entries.append((name, dimensions, type, offset))
    }

    let headerEnd = reader.offset
    let (padded, overflow) = headerEnd.addingReportingOverflow(alignment - 1)
    guard !overflow else { throw .truncated(what: "the tensor data", offset: headerEnd) }
    dataOffset = padded / alignment * alignment
    guard dataOffset <= memory.count || tensorCount == 0 else {
      throw .truncated(what: "the tensor data", offset: headerEnd)
    }

    var tensors: [TensorInfo] = []
    tensors.reserveCapacity(entries.count)
    for entry in entries {
      guard let byteCount = entry.type.rowBytes(elements: entry.dimensions[0]) else {
        throw .badShape(
          tensor: entry.name,
          reason: "rows of \(entry.dimensions[0]) do not fill \(entry.type) blocks of "
            + "\(entry.type.blockElements)")
      }
      let total = entry.dimensions.dropFirst().reduce(byteCount, *)
      let available = UInt64(max(memory.count - dataOffset, 0))
      guard entry.offset % UInt64(alignment) == 0, entry.offset <= available,
        UInt64(total) <= available - entry.offset
      else { throw .tensorOutOfBounds(tensor: entry.name) }
      tensors.append(
        TensorInfo(
          name: entry.name, dimensions: entry.dimensions, type: entry.type,
          offset: dataOffset + Int(entry.offset), byteCount: total))
    }

    self.metadata = metadata
    self.metadataKeys = keys
    self.alignment = alignment
    self.tensors = tensors
    self.tensorIndex = index
  }

  /// The tensor named `name`, if the file has one.
  public func tensor(named name: String) -> TensorInfo? {
    tensorIndex[name].map { tensors[$0] }
  }

  /// The bytes of `tensor`, in place in the map.
  public func data(of tensor: TensorInfo) -> UnsafeRawPointer {
    memory.base + tensor.offset
  }
}

extension MetadataValue {
  /// Reads one value of `type`, checking it. An array of plain values read
  /// from `memory` is checked element by element and kept encoded there
  /// (`MetadataArray`); an array of arrays, or one read elsewhere, is kept
  /// decoded.
  static func read(
    _ type: MetadataValueType, key: String, depth: Int, from reader: inout ByteReader,
    in memory: MappedMemory? = nil
  ) throws(GGUFError) -> MetadataValue {
    // Named only when a read fails: an array reads this per element, tens of thousands of times.
    func what() -> String { "the value of '\(key)'" }
    switch type {
    case .uint8: return .uint8(try reader.read(UInt8.self, what()))
    case .int8: return .int8(try reader.read(Int8.self, what()))
    case .uint16: return .uint16(try reader.read(UInt16.self, what()))
    case .int16: return .int16(try reader.read(Int16.self, what()))
    case .uint32: return .uint32(try reader.read(UInt32.self, what()))
    case .int32: return .int32(try reader.read(Int32.self, what()))
    case .uint64: return .uint64(try reader.read(UInt64.self, what()))
    case .int64: return .int64(try reader.read(Int64.self, what()))
    case .float32: return .float32(Float(bitPattern: try reader.read(UInt32.self, what())))
    case .float64: return .float64(Double(bitPattern: try reader.read(UInt64.self, what())))
    case .bool:
      let byte = try reader.read(UInt8.self, what())
      guard byte <= 1 else { throw .implausible(what: what() + " (a bool)", value: UInt64(byte)) }
      return .bool(byte == 1)
    case .string: return .string(try reader.readString(what()))
    case .array:
      // Nesting deeper than this is no model's metadata; it is a file built
      // to exhaust the stack.
      guard depth < 8 else { throw .implausible(what: "the array nesting of '\(key)'", value: 8) }
      let rawType = try reader.read(UInt32.self, "the element type of '\(key)'")
      guard let elementType = MetadataValueType(rawValue: rawType) else {
        throw .unknownValueType(key: key, type: rawType)
      }
      let count = try reader.readCount(
        minimumElementBytes: elementType.minimumBytes, "the element count of '\(key)'")
      if let memory, elementType != .array {
        let start = reader.offset
        for _ in 0..<count {
          _ = try read(elementType, key: key, depth: depth + 1, from: &reader)
        }
        return .array(
          MetadataArray(
            elementType: elementType, count: count, memory: memory,
            bytes: start..<reader.offset))
      }
      var elements: [MetadataValue] = []
      elements.reserveCapacity(count)
      for _ in 0..<count {
        elements.append(
          try read(elementType, key: key, depth: depth + 1, from: &reader, in: memory))
      }
      return .array(MetadataArray(elementType: elementType, elements: elements))
    }
  }
}

extension MetadataValueType {
  /// The fewest bytes one value of this type takes in the file.
  var minimumBytes: Int {
    switch self {
    case .uint8, .int8, .bool: 1
    case .uint16, .int16: 2
    case .uint32, .int32, .float32: 4
    case .uint64, .int64, .float64, .string: 8
    case .array: 12
    }
  }
}
