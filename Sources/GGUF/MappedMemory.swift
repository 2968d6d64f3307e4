import SystemPackage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Bytes that stay put for as long as this object lives: a read-only memory
/// map of a file, or a private copy of bytes made in memory (tests, tools).
public final class MappedMemory: @unchecked Sendable {
  public let base: UnsafeRawPointer
  public let count: Int
  private let isMapped: Bool

  /// Maps the whole file read-only. The pages are shared with the page
  /// cache, so a model costs no copy and loads in microseconds when warm.
  ///
  /// The corresponding C functions are `open`, `fstat` and `mmap`.
  public init(path: String) throws(GGUFError) {
    let descriptor: FileDescriptor
    do {
      descriptor = try FileDescriptor.open(FilePath(path), .readOnly)
    } catch {
      throw .cannotOpen(path: path, reason: "\(error)")
    }
    defer { try? descriptor.close() }
    var status = stat()
    guard fstat(descriptor.rawValue, &status) == 0 else {
      throw .cannotOpen(path: path, reason: "\(Errno(rawValue: errno))")
    }
    guard (status.st_mode & S_IFMT) == S_IFREG else {
      throw .cannotOpen(path: path, reason: "not a regular file")
    }
    let size = Int(status.st_size)
    guard size > 0 else { throw .truncated(what: "the magic", offset: 0) }
    let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor.rawValue, 0)
    // MAP_FAILED is the macro ((void *)-1), which Swift does not import.
    guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
      throw .cannotOpen(path: path, reason: "\(Errno(rawValue: errno))")
    }
    base = UnsafeRawPointer(address)
    count = size
    isMapped = true
  }

  /// Copies `bytes` into memory owned by this object.
  public init(copying bytes: [UInt8]) {
    let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
    bytes.withUnsafeBytes { source in
      if let start = source.baseAddress { memory.copyMemory(from: start, byteCount: source.count) }
    }
    base = UnsafeRawPointer(memory)
    count = bytes.count
    isMapped = false
  }

  public var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

  deinit {
    if isMapped {
      munmap(UnsafeMutableRawPointer(mutating: base), count)
    } else {
      base.deallocate()
    }
  }
}
