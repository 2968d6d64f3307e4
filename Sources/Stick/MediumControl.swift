import Foundation
import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif

/// How the host is made to see the board's writes to the drive image.
public enum RefreshStrategy: String, Sendable, CaseIterable {
  /// Eject the medium, keep it out past the host's polling, write, reinsert.
  case media
  /// Disconnect and reconnect the whole USB device, for hosts that ignore media changes.
  case replug
  /// Wait for the person to eject the drive, then write and reinsert.
  case onEject = "on-eject"
}

/// Why the medium could not be controlled.
public struct MediumError: Error, CustomStringConvertible {
  public let what: String
  public let errno: Errno?
  public var description: String {
    guard let errno else { return what }
    if errno == .resourceBusy {
      return "\(what): the host has locked the drive (it is mounted); forced ejection is needed"
    }
    return "\(what): \(errno)"
  }
}

/// The mass-storage LUN that serves the image to the host: its configfs
/// directory (`.../functions/mass_storage.NAME/lun.0`), or a plain directory
/// holding the same attribute files where there is no gadget (tests, boards
/// without a device controller). The code path is the same for both.
public struct MediumControl: Sendable {
  public let lunDirectory: FilePath
  public let imagePath: String

  public init(lunDirectory: FilePath, imagePath: String) {
    self.lunDirectory = lunDirectory
    self.imagePath = imagePath
  }

  /// The gadget's directory: `lun.N` sits in `functions/mass_storage.NAME`.
  var gadgetDirectory: FilePath {
    var path = lunDirectory
    for _ in 0..<3 { path.removeLastComponent() }
    return path
  }

  /// Whether the host currently has the medium (the LUN's `file` is set).
  public func isInserted() throws(MediumError) -> Bool {
    !(try read(lunDirectory.appending("file"))).isEmpty
  }

  /// Takes the medium away from the host even if it locked it, so no stale
  /// host cache can be written back over the board's changes.
  public func eject() throws(MediumError) {
    let forced = lunDirectory.appending("forced_eject")
    if access(forced.string, F_OK) == 0 {
      try write("1", to: forced)
    } else {
      // Kernels before 5.19 have no forced_eject: a plain eject, which a
      // host that locked the drive refuses with EBUSY.
      try write("", to: lunDirectory.appending("file"))
    }
  }

  /// Gives the medium back; the host sees a media change.
  public func insert() throws(MediumError) {
    try write(imagePath, to: lunDirectory.appending("file"))
  }

  /// Unbinds the gadget from its device controller (the host sees the USB
  /// device unplugged) and returns the controller's name for `bind`.
  public func unbind() throws(MediumError) -> String {
    let controller = try read(gadgetDirectory.appending("UDC"))
    guard !controller.isEmpty else {
      throw MediumError(what: "the gadget is not bound to a UDC", errno: nil)
    }
    try write("", to: gadgetDirectory.appending("UDC"))
    return controller
  }

  /// Binds the gadget to `controller` again (the host sees it plugged in).
  public func bind(_ controller: String) throws(MediumError) {
    try write(controller, to: gadgetDirectory.appending("UDC"))
  }

  private func read(_ path: FilePath) throws(MediumError) -> String {
    do {
      let descriptor = try FileDescriptor.open(path, .readOnly)
      defer { try? descriptor.close() }
      var bytes: [UInt8] = []
      var buffer = [UInt8](repeating: 0, count: 4096)
      while true {
        let count = try buffer.withUnsafeMutableBytes { try descriptor.read(into: $0) }
        if count == 0 { break }
        bytes += buffer[..<count]
      }
      return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    } catch let error as Errno {
      throw MediumError(what: "cannot read \(path)", errno: error)
    } catch {
      throw MediumError(what: "cannot read \(path): \(error)", errno: nil)
    }
  }

  /// Writes an attribute the way `echo VALUE > attribute` does. A plain
  /// file standing in for configfs is cut to the new value.
  private func write(_ value: String, to path: FilePath) throws(MediumError) {
    do {
      let descriptor = try FileDescriptor.open(path, .writeOnly)
      defer { try? descriptor.close() }
      let line = Array((value + "\n").utf8)
      _ = try descriptor.writeAll(line)
      var status = stat()
      if fstat(descriptor.rawValue, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG {
        _ = ftruncate(descriptor.rawValue, off_t(line.count))
      }
    } catch let error as Errno {
      throw MediumError(what: "cannot write '\(value)' to \(path)", errno: error)
    } catch {
      throw MediumError(what: "cannot write '\(value)' to \(path): \(error)", errno: nil)
    }
  }
}
