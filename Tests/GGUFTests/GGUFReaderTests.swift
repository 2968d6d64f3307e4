import Foundation
import TestSupport
import Testing

@testable import GGUF

/// A small file with every metadata type, nested arrays and two tensors.
func sampleWriter(version: UInt32 = 3, alignment: Int = 32) -> GGUFWriter {
  var writer = GGUFWriter(version: version, alignment: alignment)
  writer.set("general.architecture", .string("llama"))
  writer.set("u8", .uint8(200))
  writer.set("i8", .int8(-100))
  writer.set("u16", .uint16(60000))
  writer.set("i16", .int16(-30000))
  writer.set("u32", .uint32(4_000_000_000))
  writer.set("i32", .int32(-2_000_000_000))
  writer.set("u64", .uint64(1 << 40))
  writer.set("i64", .int64(-(1 << 40)))
  writer.set("f32", .float32(1.5))
  writer.set("f64", .float64(-2.25))
  writer.set("flag", .bool(true))
  writer.set("text", .string("héllo, 世界 👋"))
  writer.set("words", strings: ["a", "", "ünï"])
  let inner = MetadataArray(elementType: .int32, elements: [.int32(1), .int32(2)])
  writer.set(
    "nested", .array(MetadataArray(elementType: .array, elements: [.array(inner), .array(inner)])))
  writer.set("empty", .array(MetadataArray(elementType: .float32, elements: [])))
  writer.addTensor("first", dimensions: [4, 2], floats: [1, 2, 3, 4, 5, 6, 7, 8])
  writer.addTensor("second", dimensions: [3], floats: [9, 10, 11])
  return writer
}

func read(_ bytes: [UInt8]) throws(GGUFError) -> GGUFFile {
  try GGUFFile(memory: MappedMemory(copying: bytes))
}

@Suite struct GGUFReaderTests {
  @Test(arguments: [UInt32(2), 3])
  func readsEveryValueTypeBack(version: UInt32) throws {
    let file = try read(sampleWriter(version: version).bytes())
    #expect(file.version == version)
    #expect(file.metadata["u8"] == .uint8(200))
    #expect(file.metadata["i8"] == .int8(-100))
    #expect(file.metadata["u16"] == .uint16(60000))
    #expect(file.metadata["i16"] == .int16(-30000))
    #expect(file.metadata["u32"] == .uint32(4_000_000_000))
    #expect(file.metadata["i32"] == .int32(-2_000_000_000))
    #expect(try file.integer("u64") == 1 << 40)
    #expect(try file.integer("i64") == -(1 << 40))
    #expect(try file.float("f32") == 1.5)
    #expect(file.metadata["f64"] == .float64(-2.25))
    #expect(try file.bool("flag"))
    #expect(try file.string("text") == "héllo, 世界 👋")
    #expect(try file.strings("words") == ["a", "", "ünï"])
    let nested = try #require(file.metadata["nested"]?.array)
    #expect(nested.elementType == .array)
    #expect(nested.elements.map { $0.array?.integers } == [[1, 2], [1, 2]])
    #expect(try file.floats("empty") == [])
    #expect(file.metadataKeys.first == "general.architecture")
  }

  /// Arrays read from a file are decoded from the map on each read: one
  /// element at a time, in order, or all at once, alike.
  @Test func arraysReadBackElementByElement() throws {
    let words = ["a", "", "ünï", String(repeating: "long ", count: 20)]
    var writer = GGUFWriter()
    writer.set("words", strings: words)
    writer.set("numbers", int32s: [7, -8, 9])
    let file = try read(writer.bytes())
    let array = try #require(file.metadata["words"]?.array)
    #expect(array.count == words.count)
    #expect((0..<words.count).map { array.element(at: $0).string } == words)
    var visited: [String] = []
    array.forEach { visited.append($0.string ?? "?") }
    #expect(visited == words)
    #expect(array == MetadataArray(elementType: .string, elements: words.map(MetadataValue.string)))
    #expect(try file.integers("numbers") == [7, -8, 9])
    #expect(try file.floats("numbers") == [7, -8, 9])
    #expect(file.metadata["numbers"]?.array?.element(at: 2) == .int32(9))
  }

  @Test func viewsTensorsInPlace() throws {
    let file = try read(sampleWriter().bytes())
    let first = try #require(file.tensor(named: "first"))
    #expect(first.dimensions == [4, 2])
    #expect(first.type == .f32)
    #expect(first.offset % 32 == 0)
    let values = UnsafeBufferPointer(
      start: file.data(of: first).assumingMemoryBound(to: Float.self), count: 8)
    #expect(Array(values) == [1, 2, 3, 4, 5, 6, 7, 8])
    let second = try #require(file.tensor(named: "second"))
    #expect(file.data(of: second).load(fromByteOffset: 8, as: Float.self) == 11)
  }

  @Test func honoursAlignment() throws {
    let file = try read(sampleWriter(alignment: 64).bytes())
    #expect(file.alignment == 64)
    #expect(file.dataOffset % 64 == 0)
    for tensor in file.tensors { #expect(tensor.offset % 64 == 0) }
  }

  @Test func typedLookupsNameTheKey() throws {
    let file = try read(sampleWriter().bytes())
    #expect(throws: GGUFError.missingKey("absent")) { try file.integer("absent") }
    #expect(throws: GGUFError.wrongType(key: "text", expected: "an integer")) {
      try file.integer("text")
    }
    #expect(try file.optional("absent", GGUFFile.integer) == nil)
  }

  @Test func mapsTheDefaultModel() throws {
    let file = try GGUFFile(path: try Checkout.defaultModel())
    #expect(try file.string("general.architecture") == "llama")
    #expect(try file.integer("llama.block_count") == 30)
    #expect(try file.strings("tokenizer.ggml.tokens").count == 49152)
    #expect(file.tensors.count == 272)
    #expect(file.tensors.filter { $0.type == .q4_1 }.count == 210)
    #expect(file.tensor(named: "token_embd.weight")?.type == .q8_0)
  }

  @Test func refusesFilesThatAreNotThere() {
    #expect(throws: GGUFError.self) { try GGUFFile(path: "/nonexistent/model.gguf") }
    #expect(throws: GGUFError.self) { try GGUFFile(path: "/") }
  }
}
