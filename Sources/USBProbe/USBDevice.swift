import CLibUSB

/// How fast a device is connected.
public enum USBSpeed: Sendable, CustomStringConvertible {
  case low, full, high, superSpeed, superSpeedPlus, unknown

  init(code: Int32) {
    switch code {
    case Int32(LIBUSB_SPEED_LOW.rawValue): self = .low
    case Int32(LIBUSB_SPEED_FULL.rawValue): self = .full
    case Int32(LIBUSB_SPEED_HIGH.rawValue): self = .high
    case Int32(LIBUSB_SPEED_SUPER.rawValue): self = .superSpeed
    case Int32(LIBUSB_SPEED_SUPER_PLUS.rawValue): self = .superSpeedPlus
    default: self = .unknown
    }
  }

  public var description: String {
    switch self {
    case .low: "low speed (1.5 Mbit/s)"
    case .full: "full speed (12 Mbit/s)"
    case .high: "high speed (480 Mbit/s)"
    case .superSpeed: "SuperSpeed (5 Gbit/s)"
    case .superSpeedPlus: "SuperSpeed+ (10 Gbit/s)"
    case .unknown: "unknown speed"
    }
  }
}

/// A version in binary-coded decimal, as USB descriptors store them (0x0210 is 2.10).
public struct BCDVersion: Sendable, Equatable, CustomStringConvertible {
  public let rawValue: UInt16
  public init(rawValue: UInt16) { self.rawValue = rawValue }
  public var description: String {
    let digits = (0..<4).reversed().map { (rawValue >> ($0 * 4)) & 0xF }
    return "\(digits[0] * 10 + digits[1]).\(digits[2])\(digits[3])"
  }
}

/// The fixed part of a device: its device descriptor.
public struct DeviceDescriptor: Sendable {
  public let vendorID: UInt16
  public let productID: UInt16
  public let usbVersion: BCDVersion
  public let deviceVersion: BCDVersion
  public let deviceClass: UInt8
  public let maxPacketSize: UInt8
  public let configurationCount: Int
  let manufacturerIndex: UInt8
  let productIndex: UInt8
  let serialIndex: UInt8

  init(_ raw: libusb_device_descriptor) {
    vendorID = raw.idVendor
    productID = raw.idProduct
    usbVersion = BCDVersion(rawValue: raw.bcdUSB)
    deviceVersion = BCDVersion(rawValue: raw.bcdDevice)
    deviceClass = raw.bDeviceClass
    maxPacketSize = raw.bMaxPacketSize0
    configurationCount = Int(raw.bNumConfigurations)
    manufacturerIndex = raw.iManufacturer
    productIndex = raw.iProduct
    serialIndex = raw.iSerialNumber
  }
}

/// One endpoint of an interface.
public struct Endpoint: Sendable {
  public let address: UInt8
  public let attributes: UInt8
  public let maxPacketSize: UInt16

  public var isInput: Bool { address & 0x80 != 0 }
  public var transfer: String {
    ["control", "isochronous", "bulk", "interrupt"][Int(attributes & 0x3)]
  }
}

/// One interface (its first alternate setting) of a configuration.
public struct Interface: Sendable {
  public let number: UInt8
  public let interfaceClass: UInt8
  public let subclass: UInt8
  public let interfaceProtocol: UInt8
  public let endpoints: [Endpoint]

  /// Mass storage (class 8), SCSI commands (subclass 6), bulk-only transport (0x50).
  public var isBulkOnlyMassStorage: Bool {
    interfaceClass == 0x08 && subclass == 0x06 && interfaceProtocol == 0x50
  }

  public var className: String {
    switch interfaceClass {
    case 0x02: "communications"
    case 0x08: "mass storage"
    case 0x0A: "CDC data"
    default: "class " + hexadecimal(interfaceClass)
    }
  }
}

/// One configuration: its power draw and interfaces.
public struct Configuration: Sendable {
  public let value: UInt8
  /// In milliamperes, as the host reads it (2 mA units below USB 3).
  public let maxPower: Int
  public let interfaces: [Interface]
}

/// A device on the bus, kept referenced while this value lives.
public final class USBDevice: @unchecked Sendable {
  /// The `libusb_device *`.
  let pointer: OpaquePointer
  public let descriptor: DeviceDescriptor
  /// The library context the device belongs to: it must outlive the device.
  let context: USBContext

  init(_ pointer: OpaquePointer, context: USBContext) throws(USBError) {
    var raw = libusb_device_descriptor()
    try USBError.check(libusb_get_device_descriptor(pointer, &raw))
    self.pointer = libusb_ref_device(pointer)
    self.context = context
    descriptor = DeviceDescriptor(raw)
  }

  deinit { libusb_unref_device(pointer) }

  public var busNumber: UInt8 { libusb_get_bus_number(pointer) }
  public var address: UInt8 { libusb_get_device_address(pointer) }
  public var speed: USBSpeed { USBSpeed(code: libusb_get_device_speed(pointer)) }

  /// Where it is plugged in, as Linux names it in sysfs: bus-port.port...
  public var portPath: String {
    var ports = [UInt8](repeating: 0, count: 8)
    let count = libusb_get_port_numbers(pointer, &ports, Int32(ports.count))
    guard count > 0 else { return "\(busNumber)" }
    return "\(busNumber)-" + ports[..<Int(count)].map(String.init).joined(separator: ".")
  }

  /// The active configuration, or the first one when the device is not configured.
  public func configuration() throws(USBError) -> Configuration {
    var raw: UnsafeMutablePointer<libusb_config_descriptor>?
    var result = libusb_get_active_config_descriptor(pointer, &raw)
    if result == LIBUSB_ERROR_NOT_FOUND.code {
      result = libusb_get_config_descriptor(pointer, 0, &raw)
    }
    try USBError.check(result)
    guard let raw else { throw USBError.notFound }
    defer { libusb_free_config_descriptor(raw) }
    let config = raw.pointee
    var interfaces: [Interface] = []
    for index in 0..<Int(config.bNumInterfaces) {
      let interface = config.interface[index]
      guard interface.num_altsetting > 0, let setting = interface.altsetting?.pointee else {
        continue
      }
      let endpoints = (0..<Int(setting.bNumEndpoints)).map { number in
        let endpoint = setting.endpoint[number]
        return Endpoint(
          address: endpoint.bEndpointAddress, attributes: endpoint.bmAttributes,
          maxPacketSize: endpoint.wMaxPacketSize)
      }
      interfaces.append(
        Interface(
          number: setting.bInterfaceNumber, interfaceClass: setting.bInterfaceClass,
          subclass: setting.bInterfaceSubClass, interfaceProtocol: setting.bInterfaceProtocol,
          endpoints: endpoints))
    }
    let unit = speed == .superSpeed || speed == .superSpeedPlus ? 8 : 2
    return Configuration(
      value: config.bConfigurationValue, maxPower: Int(config.MaxPower) * unit,
      interfaces: interfaces)
  }

  /// Opens the device to read its strings (manufacturer, product, serial).
  public func strings() throws(USBError) -> DeviceStrings {
    var handle: OpaquePointer?
    try USBError.check(libusb_open(pointer, &handle))
    guard let handle else { throw USBError.noDevice }
    defer { libusb_close(handle) }
    func read(_ index: UInt8) -> String? {
      guard index != 0 else { return nil }
      var buffer = [UInt8](repeating: 0, count: 256)
      let count = libusb_get_string_descriptor_ascii(handle, index, &buffer, Int32(buffer.count))
      guard count >= 0 else { return nil }
      return String(decoding: buffer[..<Int(count)], as: UTF8.self)
    }
    return DeviceStrings(
      manufacturer: read(descriptor.manufacturerIndex), product: read(descriptor.productIndex),
      serialNumber: read(descriptor.serialIndex))
  }
}

/// The strings a device names itself with.
public struct DeviceStrings: Sendable {
  public var manufacturer: String?
  public var product: String?
  public var serialNumber: String?

  public init(manufacturer: String? = nil, product: String? = nil, serialNumber: String? = nil) {
    self.manufacturer = manufacturer
    self.product = product
    self.serialNumber = serialNumber
  }
}

/// `0x` and the value's hex digits, zero-padded to its width: 0x08, 0x1d6b.
public func hexadecimal<Value: FixedWidthInteger>(_ value: Value) -> String {
  let digits = String(value, radix: 16)
  return "0x" + String(repeating: "0", count: max(0, Value.bitWidth / 4 - digits.count)) + digits
}
