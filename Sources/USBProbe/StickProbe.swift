/// What identifies an aistick on the bus: the IDs its gadget uses, and the
/// strings that tell it apart from other gadgets sharing those IDs.
public struct StickIdentity: Sendable {
  public var vendorID: UInt16 = 0x1d6b
  public var productID: UInt16 = 0x0104
  /// Text the manufacturer or product string contains (case-insensitive).
  public var name = "aistick"

  public init() {}

  /// Whether `strings` name an aistick; nil strings (unreadable) decide nothing.
  func named(_ strings: DeviceStrings) -> Bool {
    [strings.manufacturer, strings.product].contains {
      $0?.lowercased().contains(name.lowercased()) ?? false
    }
  }
}

/// A device that is, or may be, an aistick.
public struct FoundStick: Sendable {
  public let device: USBDevice
  /// Nil when the strings could not be read; `stringError` says why.
  public let strings: DeviceStrings?
  public let stringError: USBError?
  public let configuration: Configuration?

  /// The mass-storage interface the drive is served on.
  public var massStorage: Interface? {
    configuration?.interfaces.first(where: \.isBulkOnlyMassStorage)
  }
}

/// Finds the sticks attached to this computer.
public struct StickProbe {
  public var identity: StickIdentity

  public init(identity: StickIdentity = StickIdentity()) { self.identity = identity }

  /// Devices with the stick's IDs whose strings name it, and devices with its
  /// IDs whose strings cannot be read (so a permission problem is reported
  /// rather than hidden).
  public func sticks(in context: USBContext) throws(USBError) -> [FoundStick] {
    var found: [FoundStick] = []
    for device in try context.devices() {
      guard device.descriptor.vendorID == identity.vendorID,
        device.descriptor.productID == identity.productID
      else { continue }
      let configuration = try? device.configuration()
      do throws(USBError) {
        let strings = try device.strings()
        guard identity.named(strings) else { continue }
        found.append(
          FoundStick(
            device: device, strings: strings, stringError: nil, configuration: configuration))
      } catch {
        found.append(
          FoundStick(
            device: device, strings: nil, stringError: error, configuration: configuration))
      }
    }
    return found
  }
}
