import CLibUSB

/// A libusb error code, with the sentence a person needs.
public struct USBError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The `LIBUSB_ERROR_*` value.
  public let rawValue: Int32

  public init(rawValue: Int32) { self.rawValue = rawValue }

  public static let access = USBError(rawValue: LIBUSB_ERROR_ACCESS.rawValue)
  public static let noDevice = USBError(rawValue: LIBUSB_ERROR_NO_DEVICE.rawValue)
  public static let notFound = USBError(rawValue: LIBUSB_ERROR_NOT_FOUND.rawValue)
  public static let notSupported = USBError(rawValue: LIBUSB_ERROR_NOT_SUPPORTED.rawValue)

  /// libusb's name for the code, such as `LIBUSB_ERROR_ACCESS`.
  public var name: String { String(cString: libusb_error_name(rawValue)) }

  public var description: String {
    switch self {
    case .access:
      return
        "permission denied (run as root, or give your user access to the device with a udev rule)"
    case .noDevice: return "the device was unplugged"
    case .notSupported: return "USB access is not supported here (is /dev/bus/usb there?)"
    default: return String(cString: libusb_strerror(rawValue))
    }
  }
}

extension libusb_error {
  /// The value libusb functions return as `int`.
  var code: Int32 { Int32(rawValue) }
}

extension USBError {
  /// Throws when a libusb call returned a negative code; returns it otherwise.
  @discardableResult
  static func check(_ result: Int32) throws(USBError) -> Int32 {
    guard result >= 0 else { throw USBError(rawValue: result) }
    return result
  }
}
