import Foundation
import TestSupport
import Testing

/// A plain directory tree standing in for configfs and the kernel's list of
/// device controllers, with a drive image, for running gadget/aistick-gadget.
final class StandInKernel {
  let folder: TemporaryFolder
  var configfs: String { folder.path("config") }
  var controllers: String { folder.path("udc") }
  var image: String { folder.path("stick.img") }
  var serialFile: String { folder.path("serial-number") }
  var gadget: String { configfs + "/usb_gadget/aistick" }
  var lun: String { gadget + "/functions/mass_storage.aistick/lun.0" }
  var ipCommand: String { folder.path("ip") }
  var ipCalls: String { folder.path("ip-calls") }

  init(controllerNames: [String] = ["dummy_udc.0"]) throws {
    folder = try TemporaryFolder(prefix: "aistick-gadget")
    let files = FileManager.default
    try files.createDirectory(
      atPath: configfs + "/usb_gadget", withIntermediateDirectories: true)
    try files.createDirectory(atPath: controllers, withIntermediateDirectories: true)
    for name in controllerNames {
      try files.createDirectory(atPath: controllers + "/" + name, withIntermediateDirectories: true)
      try "not attached\n".write(
        toFile: controllers + "/" + name + "/state", atomically: false, encoding: .utf8)
    }
    try Data(count: 1 << 20).write(to: URL(fileURLWithPath: image))
    try "#!/bin/sh\necho \"$*\" >>'\(ipCalls)'\n".write(
      toFile: ipCommand, atomically: false, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: ipCommand)
    // A Raspberry Pi's device tree ends its serial number with a NUL.
    try Data("00000000c0ffee42\0".utf8).write(to: URL(fileURLWithPath: serialFile))
  }

  /// Runs the script with this tree in its environment, plus `arguments`.
  func run(_ arguments: [String], environment extra: [String: String] = [:]) throws
    -> CommandResult
  {
    var environment = ProcessInfo.processInfo.environment
    environment["AISTICK_CONFIGFS"] = configfs
    environment["AISTICK_UDC_CLASS"] = controllers
    environment["AISTICK_IMAGE"] = image
    environment["AISTICK_SERIAL_SOURCES"] = serialFile
    // A stand-in for iproute2 that notes what it was asked to do.
    environment["AISTICK_IP_COMMAND"] = ipCommand
    environment["AISTICK_IFNAME_WAIT"] = "2"
    environment.merge(extra) { $1 }
    let script = Checkout.root.appendingPathComponent("gadget/aistick-gadget").path
    return try runCommand(script, arguments, environment: environment)
  }

  /// Runs the script and requires it to succeed.
  @discardableResult
  func succeed(_ arguments: [String], environment: [String: String] = [:]) throws
    -> CommandResult
  {
    let result = try run(arguments, environment: environment)
    #expect(result.status == 0, "aistick-gadget \(arguments): \(result.errors)")
    return result
  }

  /// An attribute's value, as `cat` shows it without the newline.
  func attribute(_ path: String) -> String? {
    (try? String(contentsOfFile: path, encoding: .utf8))?
      .trimmingCharacters(in: .newlines)
  }

  func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  /// The interface name the kernel gives a network function (`ncm` or `ecm`) once it is bound.
  func name(_ interface: String, function kind: String) throws {
    let function = gadget + "/functions/\(kind).aistick"
    try FileManager.default.createDirectory(atPath: function, withIntermediateDirectories: true)
    try (interface + "\n").write(toFile: function + "/ifname", atomically: false, encoding: .utf8)
  }
}

@Suite struct GadgetScriptTests {
  @Test func upMakesTheGadgetAndBindsTheFirstController() throws {
    let kernel = try StandInKernel(controllerNames: ["musb-hdrc.0", "fe980000.usb"])
    try kernel.succeed(["up"])
    let gadget = kernel.gadget
    #expect(kernel.attribute(gadget + "/idVendor") == "0x1d6b")
    #expect(kernel.attribute(gadget + "/idProduct") == "0x0104")
    #expect(kernel.attribute(gadget + "/bcdDevice") == "0x0100")
    #expect(kernel.attribute(gadget + "/bcdUSB") == "0x0200")
    #expect(kernel.attribute(gadget + "/strings/0x409/manufacturer") == "aistick")
    #expect(kernel.attribute(gadget + "/strings/0x409/product") == "aistick AI drive")
    #expect(kernel.attribute(gadget + "/strings/0x409/serialnumber") == "00000000C0FFEE42")
    #expect(kernel.attribute(gadget + "/configs/c.1/MaxPower") == "250")
    #expect(kernel.attribute(gadget + "/functions/mass_storage.aistick/stall") == "0")
    #expect(kernel.attribute(kernel.lun + "/removable") == "1")
    #expect(kernel.attribute(kernel.lun + "/nofua") == "0")
    #expect(kernel.attribute(kernel.lun + "/ro") == "0")
    #expect(kernel.attribute(kernel.lun + "/file") == kernel.image)
    let inquiry = try #require(kernel.attribute(kernel.lun + "/inquiry_string"))
    #expect(inquiry.utf8.count == 28)
    #expect(inquiry.hasPrefix("aistick AI drive"))
    let link = try FileManager.default.destinationOfSymbolicLink(
      atPath: gadget + "/configs/c.1/mass_storage.aistick")
    #expect(link == gadget + "/functions/mass_storage.aistick")
    // The kernel lists controllers in no set order: the first by name is taken.
    #expect(kernel.attribute(gadget + "/UDC") == "fe980000.usb")
    #expect(!kernel.exists(gadget + "/functions/ncm.aistick"))
  }

  @Test func upTwiceIsHarmlessAndDownRemovesOnlyItsGadget() throws {
    let kernel = try StandInKernel()
    let other = kernel.configfs + "/usb_gadget/other"
    try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
    try "0x1234\n".write(toFile: other + "/idVendor", atomically: false, encoding: .utf8)

    try kernel.succeed(["up"])
    let again = try kernel.succeed(["up"])
    #expect(again.errors.contains("already up on dummy_udc.0"))
    #expect(kernel.attribute(kernel.gadget + "/UDC") == "dummy_udc.0")

    // Taken out by the service and left out: up gives the medium back.
    try kernel.succeed(["eject", "--soft"])
    try kernel.succeed(["up"])
    #expect(kernel.attribute(kernel.lun + "/file") == kernel.image)

    try kernel.succeed(["down"])
    #expect(!kernel.exists(kernel.gadget))
    #expect(kernel.attribute(other + "/idVendor") == "0x1234")
    let nothing = try kernel.succeed(["down"])
    #expect(nothing.errors.contains("nothing to do"))
    let status = try kernel.run(["status"])
    #expect(status.status == 3)
    #expect(status.output.contains("not set up"))
  }

  @Test func namedControllerAndOverridesByFlag() throws {
    let kernel = try StandInKernel(controllerNames: ["a.usb", "b.usb"])
    try kernel.succeed([
      "--udc", "b.usb", "--name", "board", "--vendor-id", "0x1209", "--product-id", "0x0001",
      "--serial", "ABC123", "--nofua", "1", "--stall", "1", "up",
    ])
    let gadget = kernel.configfs + "/usb_gadget/board"
    #expect(kernel.attribute(gadget + "/UDC") == "b.usb")
    #expect(kernel.attribute(gadget + "/idVendor") == "0x1209")
    #expect(kernel.attribute(gadget + "/idProduct") == "0x0001")
    #expect(kernel.attribute(gadget + "/strings/0x409/serialnumber") == "ABC123")
    #expect(kernel.attribute(gadget + "/functions/mass_storage.board/lun.0/nofua") == "1")
    #expect(kernel.attribute(gadget + "/functions/mass_storage.board/stall") == "1")
    let status = try kernel.succeed(["--name", "board", "status"])
    #expect(status.output.contains("udc: b.usb (not attached)"))
    #expect(status.output.contains("serial: ABC123"))

    let missing = try kernel.run(["--name", "other", "--udc", "c.usb", "up"])
    #expect(missing.status != 0)
    #expect(missing.errors.contains("no UDC named 'c.usb'"))
    #expect(missing.errors.contains("a.usb b.usb"))
  }

  @Test func serialComesFromTheMachineIdWithoutADeviceTree() throws {
    let kernel = try StandInKernel()
    let machineID = kernel.folder.path("machine-id")
    try "0123456789abcdef0123456789abcdef\n".write(
      toFile: machineID, atomically: false, encoding: .utf8)
    try kernel.succeed(
      ["up"],
      environment: ["AISTICK_SERIAL_SOURCES": kernel.folder.path("none") + ":" + machineID])
    #expect(kernel.attribute(kernel.gadget + "/strings/0x409/serialnumber") == "0123456789ABCDEF")
  }

  @Test func ejectInsertAndReplug() throws {
    let kernel = try StandInKernel()
    try kernel.succeed(["up"])
    // Without forced_eject (kernels before 5.19) the medium is taken by emptying `file`.
    try kernel.succeed(["eject"])
    #expect(kernel.attribute(kernel.lun + "/file") == "")
    let already = try kernel.succeed(["eject"])
    #expect(already.errors.contains("already out"))
    try kernel.succeed(["insert"])
    #expect(kernel.attribute(kernel.lun + "/file") == kernel.image)

    // With forced_eject, that is what is written.
    try "".write(toFile: kernel.lun + "/forced_eject", atomically: false, encoding: .utf8)
    try kernel.succeed(["eject"])
    #expect(kernel.attribute(kernel.lun + "/forced_eject") == "1")

    try kernel.succeed(["replug", "--pause", "10"])
    #expect(kernel.attribute(kernel.gadget + "/UDC") == "dummy_udc.0")
  }

  @Test func networkFunctionForTheHTTPAPI() throws {
    let kernel = try StandInKernel()
    try kernel.succeed(["--network", "ncm", "up"])
    let function = kernel.gadget + "/functions/ncm.aistick"
    let host = try #require(kernel.attribute(function + "/host_addr"))
    let device = try #require(kernel.attribute(function + "/dev_addr"))
    #expect(host.hasPrefix("02:") && device.hasPrefix("02:") && host != device)
    #expect(host.count == 17)
    #expect(kernel.exists(kernel.gadget + "/configs/c.1/ncm.aistick"))
    // The same board gets the same addresses each time.
    try kernel.succeed(["down"])
    try kernel.succeed(["--network", "ncm", "up"])
    #expect(kernel.attribute(function + "/host_addr") == host)
    try kernel.succeed(["down"])
    #expect(!kernel.exists(kernel.gadget))

    let wrong = try kernel.run(["--network", "wifi", "up"])
    #expect(wrong.status != 0)
    #expect(wrong.errors.contains("none, ncm or ecm"))
  }

  @Test func theBoardTakesItsAddressOnTheNetworkLink() throws {
    let kernel = try StandInKernel()
    // The kernel names the interface once the function is bound.
    try kernel.name("usb0", function: "ncm")
    let up = try kernel.succeed(["--network", "ncm", "up"])
    #expect(up.errors.contains("the computer reaches the board at 192.168.7.1 on usb0"))
    #expect(
      kernel.attribute(kernel.ipCalls)
        == "address replace 192.168.7.1/24 dev usb0\nlink set usb0 up")
    try kernel.succeed(["down"])

    // Another kind and address by variable.
    try FileManager.default.removeItem(atPath: kernel.ipCalls)
    try kernel.name("usb1", function: "ecm")
    try kernel.succeed(
      ["up"], environment: ["AISTICK_NETWORK": "ecm", "AISTICK_ADDRESS": "10.7.0.1/30"])
    #expect(
      kernel.attribute(kernel.ipCalls)
        == "address replace 10.7.0.1/30 dev usb1\nlink set usb1 up")
    try kernel.succeed(["down"])

    // none leaves the link to other tools.
    try FileManager.default.removeItem(atPath: kernel.ipCalls)
    try kernel.name("usb0", function: "ncm")
    try kernel.succeed(["--network", "ncm", "--address", "none", "up"])
    #expect(!kernel.exists(kernel.ipCalls))
    try kernel.succeed(["down"])

    // No interface name: the drive is up all the same, and the reason is said.
    let unnamed = try kernel.succeed(["--network", "ncm", "up"])
    #expect(unnamed.errors.contains("has no interface name"))
    #expect(kernel.attribute(kernel.gadget + "/UDC") == "dummy_udc.0")
    try kernel.succeed(["down"])

    let wrong = try kernel.run(["--network", "ncm", "--address", "192.168.7.1", "up"])
    #expect(wrong.status != 0)
    #expect(wrong.errors.contains("such as 192.168.7.1/24"))
  }

  @Test func clearMessagesWhenSomethingIsMissing() throws {
    let kernel = try StandInKernel(controllerNames: [])
    let noControllers = try kernel.run(["up"])
    #expect(noControllers.status != 0)
    #expect(noControllers.errors.contains("no USB device controller (UDC)"))
    #expect(noControllers.errors.contains("dtoverlay=dwc2"))
    #expect(!kernel.exists(kernel.gadget))

    let noImage = try kernel.run(["--image", kernel.folder.path("gone.img"), "up"])
    #expect(noImage.errors.contains("gone.img does not exist"))
    #expect(noImage.errors.contains("make-image"))

    let notMounted = try kernel.run(["--configfs", kernel.folder.path("nowhere"), "up"])
    #expect(notMounted.errors.contains("configfs is not mounted"))

    try FileManager.default.removeItem(atPath: kernel.configfs + "/usb_gadget")
    let noFramework = try kernel.run(["up"])
    #expect(noFramework.errors.contains("libcomposite is missing"))

    let noGadget = try kernel.run(["eject"])
    #expect(noGadget.status != 0)
    let unknown = try kernel.run(["sideways"])
    #expect(unknown.status != 0)
    #expect(unknown.errors.contains("unknown argument 'sideways'"))
  }

  @Test func aRefusedWriteIsExplained() throws {
    let kernel = try StandInKernel()
    try kernel.succeed(["up"])
    // A folder where the attribute should be: the write fails like a refused one.
    try FileManager.default.removeItem(atPath: kernel.lun + "/file")
    try FileManager.default.createDirectory(
      atPath: kernel.lun + "/file", withIntermediateDirectories: false)
    let refused = try kernel.run(["insert"])
    #expect(refused.status != 0)
    #expect(refused.errors.contains("cannot write '\(kernel.image)'"))
    #expect(refused.errors.contains("Is a directory"))
  }
}

@Suite struct BoardInstallTests {
  @Test func installsIntoATreeAndRunsAgainHarmlessly() throws {
    let folder = try TemporaryFolder(prefix: "aistick-board")
    let root = folder.path("root")
    let config = root + "/boot/firmware/config.txt"
    try FileManager.default.createDirectory(
      atPath: root + "/boot/firmware", withIntermediateDirectories: true)
    try "[all]\narm_64bit=1\n".write(toFile: config, atomically: false, encoding: .utf8)
    let model = folder.path("board.gguf")
    try "model".write(toFile: model, atomically: false, encoding: .utf8)
    let binary = folder.path("aistick")
    try "#!/bin/sh\n".write(toFile: binary, atomically: false, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary)
    let script = Checkout.root.appendingPathComponent("gadget/install-board").path
    let arguments = [binary, "--model", model, "--size", "16M", "--root", root]

    try requireCommand(script, arguments)
    // The person's files on the drive survive a second run.
    let image = root + "/var/lib/aistick/stick.img"
    try requireCommand("mcopy", ["-i", image, config, "::NOTES.TXT"])
    try requireCommand(script, arguments)
    try requireCommand("mtype", ["-i", image, "::NOTES.TXT"])
    try requireCommand("fsck.fat", ["-n", image])

    for path in [
      "/usr/local/bin/aistick", "/usr/local/lib/aistick/aistick-gadget",
      "/etc/systemd/system/aistick-gadget.service", "/etc/systemd/system/aistick-serve.service",
      "/var/lib/aistick/models/board.gguf",
    ] {
      #expect(FileManager.default.isReadableFile(atPath: root + path), "\(path)")
    }
    let settings = try String(contentsOfFile: root + "/etc/default/aistick", encoding: .utf8)
    #expect(settings.contains("AISTICK_MODEL=/var/lib/aistick/models/board.gguf"))
    let boot = try String(contentsOfFile: config, encoding: .utf8)
    #expect(boot.components(separatedBy: "dtoverlay=dwc2,dr_mode=peripheral").count == 2)
    let modules = try String(
      contentsOfFile: root + "/etc/modules-load.d/aistick.conf", encoding: .utf8)
    #expect(modules == "dwc2\nlibcomposite\n")
    // The service starts after the gadget and reads the same settings.
    let serve = try String(
      contentsOfFile: root + "/etc/systemd/system/aistick-serve.service", encoding: .utf8)
    #expect(serve.contains("After=aistick-gadget.service"))
    #expect(serve.contains("--lun \"$AISTICK_LUN\""))
    // The HTTP API is off until AISTICK_HTTP names an address.
    #expect(serve.contains("${AISTICK_HTTP:+--http \"$AISTICK_HTTP\"}"))
    for line in ["AISTICK_NETWORK=none", "AISTICK_ADDRESS=192.168.7.1/24", "AISTICK_HTTP="] {
      #expect(settings.contains("\n" + line + "\n"), "\(line)")
    }
  }

  @Test func aNewerInstallAddsTheNewSettingsAndKeepsTheOwners() throws {
    let folder = try TemporaryFolder(prefix: "aistick-board")
    let root = folder.path("root")
    try FileManager.default.createDirectory(
      atPath: root + "/etc/default", withIntermediateDirectories: true)
    try "AISTICK_IMAGE=/srv/mine.img\nAISTICK_NETWORK=ncm\n".write(
      toFile: root + "/etc/default/aistick", atomically: false, encoding: .utf8)
    let model = folder.path("board.gguf")
    try "model".write(toFile: model, atomically: false, encoding: .utf8)
    let binary = folder.path("aistick")
    try "#!/bin/sh\n".write(toFile: binary, atomically: false, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary)
    let script = Checkout.root.appendingPathComponent("gadget/install-board").path
    let arguments = [binary, "--model", model, "--size", "16M", "--root", root, "--no-boot-config"]
    try requireCommand(script, arguments)
    try requireCommand(script, arguments)
    let settings = try String(contentsOfFile: root + "/etc/default/aistick", encoding: .utf8)
    #expect(settings.hasPrefix("AISTICK_IMAGE=/srv/mine.img\nAISTICK_NETWORK=ncm\n"))
    #expect(settings.components(separatedBy: "Added by install-board").count == 2)
    for line in ["AISTICK_HTTP=", "AISTICK_ADDRESS=192.168.7.1/24", "AISTICK_LUN="] {
      #expect(settings.components(separatedBy: "\n" + line).count == 2, "\(line): \(settings)")
    }
    #expect(!settings.contains("AISTICK_NETWORK=none"))
  }
}

@Suite struct ProbeCommandTests {
  @Test func saysWhenNoStickIsAttached() throws {
    let binary = try Checkout.program().path
    // IDs no device has, so the answer is the same on any computer.
    let result = try runCommand(
      binary, ["probe", "--vendor-id", "0xfffe", "--product-id", "fffd", "--name", "none"])
    #expect(result.status == 1)
    #expect(result.errors.contains("no stick is attached"))
    #expect(result.errors.contains("IDs fffe:fffd named 'none'"))
    let wrong = try runCommand(binary, ["probe", "--vendor-id", "nope"])
    #expect(wrong.status != 0)
    #expect(wrong.errors.contains("not a 16-bit hex ID"))
  }
}
