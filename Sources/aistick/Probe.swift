import ArgumentParser
import USBProbe

struct Probe: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List the sticks plugged into this computer, with their USB descriptors.",
    discussion: """
      Run on the computer the stick is plugged into. A stick is a device with the gadget's \
      vendor and product IDs whose manufacturer or product string names it. Exits with \
      status 1 when none is attached.
      """)

  @Option(help: "The stick's USB vendor ID, in hex.", transform: parseIdentifier)
  var vendorID: UInt16 = StickIdentity().vendorID

  @Option(help: "The stick's USB product ID, in hex.", transform: parseIdentifier)
  var productID: UInt16 = StickIdentity().productID

  @Option(help: "Text the manufacturer or product string contains.")
  var name: String = StickIdentity().name

  func run() throws {
    var identity = StickIdentity()
    identity.vendorID = vendorID
    identity.productID = productID
    identity.name = name
    let context: USBContext
    let sticks: [FoundStick]
    let deviceCount: Int
    do throws(USBError) {
      context = try USBContext()
      deviceCount = try context.devices().count
      sticks = try StickProbe(identity: identity).sticks(in: context)
    } catch {
      throw ValidationError("cannot list USB devices: \(error)")
    }
    guard !sticks.isEmpty else {
      log(
        "no stick is attached (\(deviceCount) USB device\(deviceCount == 1 ? "" : "s") seen, none "
          + "with IDs \(hex(vendorID)):\(hex(productID)) named '\(name)'): plug it in, and "
          + "give the board a few seconds to start")
      throw ExitCode(1)
    }
    for (index, stick) in sticks.enumerated() {
      if index > 0 { print() }
      describe(stick)
    }
    if sticks.contains(where: { $0.stringError != nil }) { throw ExitCode(1) }
  }

  private func describe(_ stick: FoundStick) {
    let device = stick.device
    let descriptor = device.descriptor
    print("stick at bus \(device.busNumber) port \(device.portPath), address \(device.address)")
    print(
      "  ids: \(hex(descriptor.vendorID)):\(hex(descriptor.productID)), "
        + "USB \(descriptor.usbVersion), device \(descriptor.deviceVersion)")
    if let strings = stick.strings {
      print("  manufacturer: \(strings.manufacturer ?? "(none)")")
      print("  product: \(strings.product ?? "(none)")")
      print("  serial: \(strings.serialNumber ?? "(none)")")
    } else if let error = stick.stringError {
      print("  strings: cannot be read: \(error)")
      log("a device with the stick's IDs cannot be opened: \(error)")
    }
    print("  speed: \(device.speed)")
    guard let configuration = stick.configuration else {
      print("  configuration: cannot be read")
      return
    }
    print(
      "  configuration \(configuration.value): \(configuration.maxPower) mA, "
        + "\(configuration.interfaces.count) interface\(configuration.interfaces.count == 1 ? "" : "s")"
    )
    for interface in configuration.interfaces {
      let endpoints = interface.endpoints.map {
        "\(hexadecimal($0.address)) \($0.isInput ? "in" : "out") \($0.transfer) \($0.maxPacketSize)"
      }
      let kind =
        interface.isBulkOnlyMassStorage
        ? "mass storage (SCSI, bulk-only)" : interface.className
      print(
        "  interface \(interface.number): \(kind), endpoints "
          + (endpoints.isEmpty ? "none" : endpoints.joined(separator: ", ")))
    }
    if stick.massStorage == nil { print("  mass storage: none (the drive is not offered)") }
  }

  private func hex(_ value: UInt16) -> String { String(hexadecimal(value).dropFirst(2)) }
}

private func parseIdentifier(_ text: String) throws -> UInt16 {
  let digits = text.lowercased().hasPrefix("0x") ? String(text.dropFirst(2)) : text
  guard let value = UInt16(digits, radix: 16) else {
    throw ValidationError("'\(text)' is not a 16-bit hex ID")
  }
  return value
}
