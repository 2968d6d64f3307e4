import Foundation
import TestSupport
import Testing

/// The whole product over a real USB stack: QEMU boots Debian's kernel with
/// dummy_hcd, and in that one kernel the board side (aistick-gadget, aistick
/// serve with a small model) and the computer side (usb-storage, vfat, an
/// automounter) talk over the emulated cable. See QEMU/scenarios.sh.
enum USBEndToEnd {
  static var cache: String { InstalledTools.cacheFolder }

  /// What this computer lacks to run the test, or nil when it has it all.
  static var missing: String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    let hasQEMU = path.split(separator: ":").contains {
      FileManager.default.isExecutableFile(atPath: "\($0)/qemu-system-x86_64")
    }
    if !hasQEMU { return "qemu-system-x86_64 (apt package qemu-system-x86)" }
    let kernels = (try? FileManager.default.contentsOfDirectory(atPath: cache + "/kernel")) ?? []
    let unpacked = kernels.contains {
      FileManager.default.fileExists(atPath: cache + "/kernel/\($0)/unpacked")
    }
    if !unpacked { return "the guest kernel in \(cache)/kernel (linux-image-amd64)" }
    return nil
  }

  static let isReady: Bool = {
    if let missing {
      FileHandle.standardError.write(
        Data("USB end-to-end test skipped: \(missing) is missing; run scripts/install\n".utf8))
    }
    return missing == nil
  }()
}

@Suite struct USBEndToEndTests {
  @Test(
    .enabled(
      if: USBEndToEnd.isReady,
      "needs qemu-system-x86_64 and the guest kernel: run scripts/install"))
  func answersOverARealUSBStack() throws {
    let binary = try Checkout.program().path
    let script = Checkout.root.appendingPathComponent("Tests/GadgetTests/QEMU/run-usb-test").path
    // The real engine on a small model: the default one is too slow on an emulated CPU.
    let folder = try TemporaryFolder(prefix: "aistick-usb")
    let model = folder.path("small.gguf")
    try SmallModel.write(to: model)
    let started = ContinuousClock.now
    let result = try runCommand(script, [binary, model])
    let lines = result.output.split(separator: "\n").map(String.init)
    let report = lines.filter { $0.contains("time ") || $0.contains("done ") }
    FileHandle.standardError.write(
      Data(
        (report + ["whole QEMU test: \(ContinuousClock.now - started)"]).map { "usb e2e: \($0)\n" }
          .joined().utf8))
    #expect(result.status == 0, "\(result.output)\n\(result.errors)")
    #expect(!lines.contains { $0.contains("not ok") }, "\(result.output)")
    let done = try #require(lines.first { $0.hasPrefix("aistick-e2e: done") }, "\(result.errors)")
    #expect(done.hasSuffix(", 0 failed"))
    let passed = lines.filter { $0.hasPrefix("aistick-e2e: ok") }.count
    #expect(passed >= 26, "\(result.output)")
    #expect(lines.contains { $0.contains("time sync-to-answer (one question)") })
  }
}
