import CLibUSB

/// A libusb session: the devices on every bus this computer has.
public final class USBContext {
  /// The `libusb_context *`.
  let pointer: OpaquePointer

  public init() throws(USBError) {
    var context: OpaquePointer?
    try USBError.check(libusb_init(&context))
    guard let context else { throw USBError.notSupported }
    pointer = context
  }

  deinit { libusb_exit(pointer) }

  /// libusb's version, such as 1.0.26.
  public static var libraryVersion: String {
    let version = libusb_get_version().pointee
    return "\(version.major).\(version.minor).\(version.micro)"
  }

  /// Every device attached now.
  public func devices() throws(USBError) -> [USBDevice] {
    var list: UnsafeMutablePointer<OpaquePointer?>?
    let count = try USBError.check(
      Int32(truncatingIfNeeded: libusb_get_device_list(pointer, &list)))
    guard let list else { return [] }
    defer { libusb_free_device_list(list, 1) }
    var devices: [USBDevice] = []
    for index in 0..<Int(count) {
      guard let device = list[index] else { continue }
      // A device whose descriptor cannot be read is left out rather than failing the list.
      if let wrapped = try? USBDevice(device, context: self) { devices.append(wrapped) }
    }
    return devices
  }
}
