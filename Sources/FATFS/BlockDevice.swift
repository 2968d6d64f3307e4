import SystemPackage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Random-access storage that holds a volume: an image file, a block device, or memory.
///
/// Reads and writes are positional (pread/pwrite), so nothing is cached between calls: what the
/// host wrote to the image is what the next read sees.
public protocol BlockDevice: AnyObject {
  /// The number of bytes the device holds.
  var size: Int64 { get }
  /// Whether `write` is allowed.
  var isWritable: Bool { get }
  /// Reads exactly `count` bytes at `offset`, or throws.
  func read(count: Int, at offset: Int64) throws(FATError) -> [UInt8]
  /// Writes all of `bytes` at `offset`, or throws.
  func write(_ bytes: [UInt8], at offset: Int64) throws(FATError)
  /// Makes the written bytes durable (fsync).
  func synchronize() throws(FATError)
}

/// An image file or block device, read and written with pread/pwrite.
public final class FileBlockDevice: BlockDevice {
  public let descriptor: FileDescriptor
  public let size: Int64
  public let isWritable: Bool
  private var isOpen = true

  /// Opens `path` for reading, and for writing unless `writable` is false.
  public init(path: FilePath, writable: Bool = true) throws(FATError) {
    let descriptor: FileDescriptor
    do {
      descriptor = try FileDescriptor.open(path, writable ? .readWrite : .readOnly)
    } catch {
      throw .io(operation: "Opening \(path)", errno: (error as? Errno) ?? .ioError)
    }
    let size: Int64
    do {
      // lseek to the end gives the size of block devices too, where fstat says 0.
      size = try descriptor.seek(offset: 0, from: .end)
    } catch {
      try? descriptor.close()
      throw .io(operation: "Finding the size of \(path)", errno: (error as? Errno) ?? .ioError)
    }
    self.descriptor = descriptor
    self.size = size
    self.isWritable = writable
  }

  deinit {
    if isOpen { try? descriptor.close() }
  }

  /// Closes the descriptor; later calls fail with EBADF.
  public func close() throws(FATError) {
    guard isOpen else { return }
    isOpen = false
    do { try descriptor.close() } catch {
      throw .io(operation: "Closing the device", errno: (error as? Errno) ?? .ioError)
    }
  }

  public func read(count: Int, at offset: Int64) throws(FATError) -> [UInt8] {
    guard count > 0 else { return [] }
    guard offset >= 0, offset + Int64(count) <= size else {
      throw .truncated(needed: offset + Int64(count), available: size)
    }
    var bytes = [UInt8](repeating: 0, count: count)
    var done = 0
    var failure: Errno?
    bytes.withUnsafeMutableBytes { buffer in
      while done < count {
        do {
          let got = try descriptor.read(
            fromAbsoluteOffset: offset + Int64(done),
            into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
          if got == 0 { break }
          done += got
        } catch {
          failure = (error as? Errno) ?? .ioError
          return
        }
      }
    }
    if let failure { throw .io(operation: "Reading at byte \(offset)", errno: failure) }
    guard done == count else {
      throw .truncated(needed: offset + Int64(count), available: offset + Int64(done))
    }
    return bytes
  }

  public func write(_ bytes: [UInt8], at offset: Int64) throws(FATError) {
    guard isWritable else { throw .readOnly }
    guard offset >= 0, offset + Int64(bytes.count) <= size else {
      throw .truncated(needed: offset + Int64(bytes.count), available: size)
    }
    do {
      _ = try bytes.withUnsafeBytes { buffer in
        try descriptor.writeAll(toAbsoluteOffset: offset, buffer)
      }
    } catch {
      throw .io(operation: "Writing at byte \(offset)", errno: (error as? Errno) ?? .ioError)
    }
  }

  public func synchronize() throws(FATError) {
    guard fsync(descriptor.rawValue) == 0 else {
      throw .io(operation: "Flushing the device (fsync)", errno: Errno(rawValue: errno))
    }
  }
}

/// A device held in memory: for tests, and for building a volume before writing it out.
public final class MemoryBlockDevice: BlockDevice {
  public private(set) var bytes: [UInt8]
  public let isWritable: Bool
  public var size: Int64 { Int64(bytes.count) }

  public init(bytes: [UInt8], writable: Bool = true) {
    self.bytes = bytes
    self.isWritable = writable
  }

  public func read(count: Int, at offset: Int64) throws(FATError) -> [UInt8] {
    guard count > 0 else { return [] }
    guard offset >= 0, offset + Int64(count) <= size else {
      throw .truncated(needed: offset + Int64(count), available: size)
    }
    let start = Int(offset)
    return Array(bytes[start..<start + count])
  }

  public func write(_ newBytes: [UInt8], at offset: Int64) throws(FATError) {
    guard isWritable else { throw .readOnly }
    guard offset >= 0, offset + Int64(newBytes.count) <= size else {
      throw .truncated(needed: offset + Int64(newBytes.count), available: size)
    }
    let start = Int(offset)
    bytes.replaceSubrange(start..<start + newBytes.count, with: newBytes)
  }

  public func synchronize() throws(FATError) {}
}
