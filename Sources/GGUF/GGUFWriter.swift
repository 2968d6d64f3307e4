/// Builds GGUF files: for tests that need small models of every shape and
/// for tools that write models.
public struct GGUFWriter {
  public var version: UInt32
  public var alignment: Int
  public private(set) var metadata: [(key: String, value: MetadataValue)] = []
  public private(set) var tensors:
    [(name: String, dimensions: [Int], type: TensorType, data: [UInt8])] = []

  public init(version: UInt32 = 3, alignment: Int = GGUFFile.defaultAlignment) {
    self.version = version
    self.alignment = alignment
  }

  public mutating func set(_ key: String, _ value: MetadataValue) {
    if let index = metadata.firstIndex(where: { $0.key == key }) {
      metadata[index].value = value
    } else {
      metadata.append((key, value))
    }
  }

  public mutating func set(_ key: String, strings: [String]) {
    set(
      key, .array(MetadataArray(elementType: .string, elements: strings.map(MetadataValue.string))))
  }

  public mutating func set(_ key: String, floats: [Float]) {
    set(
      key, .array(MetadataArray(elementType: .float32, elements: floats.map(MetadataValue.float32)))
    )
  }

  public mutating func set(_ key: String, int32s: [Int32]) {
    set(key, .array(MetadataArray(elementType: .int32, elements: int32s.map(MetadataValue.int32))))
  }

  /// Adds a tensor whose `data` is already encoded as `type`.
  public mutating func addTensor(
    _ name: String, dimensions: [Int], type: TensorType, data: [UInt8]
  ) {
    tensors.append((name, dimensions, type, data))
  }

  /// Adds an F32 tensor.
  public mutating func addTensor(_ name: String, dimensions: [Int], floats: [Float]) {
    let data = floats.withUnsafeBytes { Array($0) }
    addTensor(name, dimensions: dimensions, type: .f32, data: data)
  }

  /// The file's bytes.
  public func bytes() -> [UInt8] {
    var out = header(byteCounts: tensors.map(\.data.count))
    for tensor in tensors {
      out.append(contentsOf: tensor.data)
      out.append(contentsOf: padding(after: tensor.data.count))
    }
    return out
  }

  /// Zero bytes that bring a tensor of `byteCount` bytes to the alignment.
  public func padding(after byteCount: Int) -> [UInt8] {
    [UInt8](repeating: 0, count: (alignment - byteCount % alignment) % alignment)
  }

  /// Everything before the first tensor's data, for a tool that writes the
  /// data itself (each tensor followed by `padding(after:)`): the tensors
  /// may then be added with empty data, their sizes given in `byteCounts`.
  public func header(byteCounts: [Int]) -> [UInt8] {
    precondition(byteCounts.count == tensors.count)
    var out: [UInt8] = []
    func append<T: FixedWidthInteger>(_ value: T) {
      withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }
    func append(string: String) {
      append(UInt64(string.utf8.count))
      out.append(contentsOf: string.utf8)
    }
    func append(value: MetadataValue) {
      switch value {
      case .uint8(let v): append(v)
      case .int8(let v): append(v)
      case .uint16(let v): append(v)
      case .int16(let v): append(v)
      case .uint32(let v): append(v)
      case .int32(let v): append(v)
      case .uint64(let v): append(v)
      case .int64(let v): append(v)
      case .float32(let v): append(v.bitPattern)
      case .float64(let v): append(v.bitPattern)
      case .bool(let v): append(UInt8(v ? 1 : 0))
      case .string(let v): append(string: v)
      case .array(let array):
        append(array.elementType.rawValue)
        append(UInt64(array.count))
        array.forEach { append(value: $0) }
      }
    }
    func pad() {
      while out.count % alignment != 0 { out.append(0) }
    }

    append(UInt32(0x4655_4747))
    append(version)
    append(UInt64(tensors.count))
    var entries = metadata
    if alignment != GGUFFile.defaultAlignment,
      !entries.contains(where: { $0.key == "general.alignment" })
    {
      entries.append(("general.alignment", .uint32(UInt32(alignment))))
    }
    append(UInt64(entries.count))
    for (key, value) in entries {
      append(string: key)
      append(value.type.rawValue)
      append(value: value)
    }
    var offset = 0
    for (tensor, byteCount) in zip(tensors, byteCounts) {
      append(string: tensor.name)
      append(UInt32(tensor.dimensions.count))
      for dimension in tensor.dimensions { append(UInt64(dimension)) }
      append(tensor.type.rawValue)
      append(UInt64(offset))
      offset += (byteCount + alignment - 1) / alignment * alignment
    }
    pad()
    return out
  }
}
