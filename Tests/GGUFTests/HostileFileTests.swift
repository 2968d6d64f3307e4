import Testing

@testable import GGUF

/// Broken and hostile files: each must give an error that names the problem,
/// never a crash, a hang or a read outside the file.
@Suite struct HostileFileTests {
  let valid = sampleWriter().bytes()

  func patched(_ bytes: [UInt8], at offset: Int, _ values: [UInt8]) -> [UInt8] {
    var copy = bytes
    copy.replaceSubrange(offset..<offset + values.count, with: values)
    return copy
  }

  func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
  }

  @Test func truncatedAtEveryByteIsAnError() throws {
    // Only the padding after the last tensor's bytes may go missing.
    let file = try read(valid)
    let needed = file.tensors.map { $0.offset + $0.byteCount }.max() ?? valid.count
    #expect(needed < valid.count)
    for length in 0..<needed {
      #expect(throws: GGUFError.self, "length \(length)") { try read(Array(valid[..<length])) }
    }
  }

  @Test func wrongMagicAndVersions() {
    #expect(throws: GGUFError.notGGUF) { try read(patched(valid, at: 0, Array("GGML".utf8))) }
    #expect(throws: GGUFError.unsupportedVersion(1)) {
      try read(patched(valid, at: 4, littleEndian(UInt32(1))))
    }
    #expect(throws: GGUFError.unsupportedVersion(4)) {
      try read(patched(valid, at: 4, littleEndian(UInt32(4))))
    }
  }

  @Test func absurdCounts() {
    #expect(throws: GGUFError.implausible(what: "the tensor count", value: UInt64.max)) {
      try read(patched(valid, at: 8, littleEndian(UInt64.max)))
    }
    #expect(throws: GGUFError.implausible(what: "the metadata count", value: 1 << 40)) {
      try read(patched(valid, at: 16, littleEndian(UInt64(1) << 40)))
    }
    // The first key's length.
    #expect(throws: GGUFError.self) { try read(patched(valid, at: 24, littleEndian(UInt64.max))) }
  }

  @Test func unknownValueType() {
    var writer = GGUFWriter()
    writer.set("key", .uint32(7))
    var bytes = writer.bytes()
    // magic, version, counts (24) + key length (8) + "key" (3) -> the type.
    bytes = patched(bytes, at: 35, littleEndian(UInt32(13)))
    #expect(throws: GGUFError.unknownValueType(key: "key", type: 13)) { try read(bytes) }
  }

  /// Arrays are kept encoded in the map, but every element is still checked
  /// when the file is opened.
  @Test func badElementsInsideArraysAreRefusedAtOpen() throws {
    var strings = GGUFWriter()
    strings.set("k", strings: ["fine", "bé"])
    var bytes = strings.bytes()
    // "é" is C3 A9; C3 FF is not UTF-8.
    let accent = try #require(Self.offset(of: [0x62, 0xC3, 0xA9], in: bytes))
    bytes[accent + 2] = 0xFF
    #expect(throws: GGUFError.invalidUTF8(what: "the value of 'k'")) { try read(bytes) }

    var bools = GGUFWriter()
    bools.set(
      "k", .array(MetadataArray(elementType: .bool, elements: [.bool(true), .bool(false)])))
    bytes = bools.bytes()
    // The element type (7), the count (2), then the two bools.
    let array = try #require(
      Self.offset(of: littleEndian(UInt32(7)) + littleEndian(UInt64(2)) + [1, 0], in: bytes))
    bytes[array + 13] = 2
    #expect(throws: GGUFError.implausible(what: "the value of 'k' (a bool)", value: 2)) {
      try read(bytes)
    }
  }

  static func offset(of pattern: [UInt8], in bytes: [UInt8]) -> Int? {
    (0...(bytes.count - pattern.count)).first { Array(bytes[$0..<$0 + pattern.count]) == pattern }
  }

  @Test func badUTF8InAKey() {
    var writer = GGUFWriter()
    writer.set("kéy", .uint8(1))
    let bytes = patched(writer.bytes(), at: 33, [0xFF])
    #expect(throws: GGUFError.invalidUTF8(what: "metadata key 0")) { try read(bytes) }
  }

  @Test func duplicateKeysAndTensors() {
    var writer = GGUFWriter()
    writer.set("a", .uint8(1))
    writer.set("b", .uint8(2))
    let bytes = patched(writer.bytes(), at: 24 + 8 + 1 + 4 + 1 + 8, Array("a".utf8))
    #expect(throws: GGUFError.duplicate(what: "metadata 'a'")) { try read(bytes) }

    var tensors = GGUFWriter()
    tensors.addTensor("t", dimensions: [1], floats: [1])
    tensors.addTensor("t", dimensions: [1], floats: [2])
    #expect(throws: GGUFError.duplicate(what: "tensor 't'")) { try read(tensors.bytes()) }
  }

  @Test func badAlignment() {
    var writer = GGUFWriter()
    writer.set("general.alignment", .uint32(48))
    #expect(throws: GGUFError.badAlignment(48)) { try read(writer.bytes()) }
    writer.set("general.alignment", .uint32(0))
    #expect(throws: GGUFError.badAlignment(0)) { try read(writer.bytes()) }
  }

  /// A file with one tensor entry, to patch its fields.
  func oneTensor(type: TensorType = .f32, dimensions: [Int] = [4]) -> [UInt8] {
    var writer = GGUFWriter()
    writer.addTensor(
      "w", dimensions: dimensions, type: type, data: [UInt8](repeating: 0, count: 64))
    return writer.bytes()
  }

  // Header (24) + name length (8) + "w" (1) = 33: the dimension count.
  @Test func badShapes() {
    #expect(throws: GGUFError.badShape(tensor: "w", reason: "0 dimensions")) {
      try read(patched(oneTensor(), at: 33, littleEndian(UInt32(0))))
    }
    #expect(throws: GGUFError.badShape(tensor: "w", reason: "5 dimensions")) {
      try read(patched(oneTensor(), at: 33, littleEndian(UInt32(5))))
    }
    #expect(throws: GGUFError.badShape(tensor: "w", reason: "dimension 0")) {
      try read(patched(oneTensor(), at: 37, littleEndian(UInt64(0))))
    }
    #expect(throws: GGUFError.self) {
      try read(patched(oneTensor(), at: 37, littleEndian(UInt64(1) << 40)))
    }
    // Q8_0 rows must fill blocks of 32.
    #expect(throws: GGUFError.self) { try read(oneTensor(type: .q8_0, dimensions: [16])) }
  }

  @Test func unknownTensorType() {
    // ... + dimension (8) = 45: the type.
    #expect(throws: GGUFError.unknownTensorType(tensor: "w", type: 99)) {
      try read(patched(oneTensor(), at: 45, littleEndian(UInt32(99))))
    }
  }

  @Test func offsetsPastTheEndOrMisaligned() {
    // ... + type (4) = 49: the offset.
    #expect(throws: GGUFError.tensorOutOfBounds(tensor: "w")) {
      try read(patched(oneTensor(), at: 49, littleEndian(UInt64(1) << 20)))
    }
    #expect(throws: GGUFError.tensorOutOfBounds(tensor: "w")) {
      try read(patched(oneTensor(), at: 49, littleEndian(UInt64.max - 3)))
    }
    #expect(throws: GGUFError.tensorOutOfBounds(tensor: "w")) {
      try read(patched(oneTensor(), at: 49, littleEndian(UInt64(4))))
    }
  }

  @Test func deeplyNestedArraysAreRefused() {
    var value = MetadataValue.uint8(1)
    for _ in 0..<20 { value = .array(MetadataArray(elementType: value.type, elements: [value])) }
    var writer = GGUFWriter()
    writer.set("deep", value)
    #expect(throws: GGUFError.self) { try read(writer.bytes()) }
  }

  /// Random byte changes: any outcome but a crash is fine, and the reader
  /// must finish each file.
  @Test func randomDamageNeverCrashes() {
    var state: UInt64 = 0x5EED
    func next() -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(state >> 33)
    }
    var failures = 0
    for _ in 0..<2000 {
      var bytes = valid
      for _ in 0..<(1 + next() % 4) {
        bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next())
      }
      if (try? read(bytes)) == nil { failures += 1 }
    }
    #expect(failures > 0)
  }
}
