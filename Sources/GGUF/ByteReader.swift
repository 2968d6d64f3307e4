/// Reads little-endian values from a byte range, checking every read
/// against the end, so a hostile file can never make the reader step outside it.
struct ByteReader {
  let bytes: UnsafeRawBufferPointer
  private(set) var offset: Int

  init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
    self.bytes = bytes
    self.offset = offset
  }

  var remaining: Int { bytes.count - offset }

  mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws(GGUFError) {
    guard count >= 0, count <= remaining else {
      throw .truncated(what: what(), offset: offset)
    }
    offset += count
  }

  mutating func read<T: FixedWidthInteger>(
    _: T.Type, _ what: @autoclosure () -> String
  ) throws(GGUFError) -> T {
    let size = MemoryLayout<T>.size
    guard size <= remaining else { throw .truncated(what: what(), offset: offset) }
    let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
    offset += size
    return T(littleEndian: value)
  }

  /// A count that precedes `minimumElementBytes`-sized elements: it must fit
  /// in what is left of the file, so no absurd count reaches an allocation.
  mutating func readCount(
    minimumElementBytes: Int, _ what: @autoclosure () -> String
  ) throws(GGUFError) -> Int {
    let count = try read(UInt64.self, what())
    let limit = UInt64(remaining / max(minimumElementBytes, 1))
    guard count <= limit else { throw .implausible(what: what(), value: count) }
    return Int(count)
  }

  mutating func readString(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
    let length = try readCount(minimumElementBytes: 1, "the length of \(what())")
    let start = offset
    try skip(length, what())
    let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<start + length])
    guard let string = String(validating: slice.bindMemory(to: UInt8.self), as: UTF8.self)
    else { throw .invalidUTF8(what: what()) }
    return string
  }
}
