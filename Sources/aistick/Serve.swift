import ArgumentParser
import Foundation
import LLM
import Stick
import SystemPackage

struct Serve: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Answer the .txt questions saved on the drive image a USB gadget shows to a computer.",
    discussion: """
      Watches IMAGE, the FAT image the gadget's LUN serves. A question is read once the \
      computer has stopped writing; the answer is made while the computer keeps the drive, \
      then the drive is taken away, the answers are written into their files with STATUS.TXT, \
      and the drive is given back. Without --lun, IMAGE is written directly (no computer may \
      use it meanwhile). Stop with Ctrl-C.
      """)

  @OptionGroup var modelOptions: ModelOptions

  @Option(help: "The FAT image file the USB gadget serves.")
  var image: String

  @Option(
    help: """
      The gadget's LUN folder (.../functions/mass_storage.NAME/lun.0), or a folder holding \
      the same 'file' and 'forced_eject' files.
      """)
  var lun: String?

  @Option(
    help: """
      How the computer is made to see the answers: media (eject, write, reinsert), replug \
      (disconnect and reconnect the USB device) or on-eject (write when the person ejects).
      """)
  var refresh: String = RefreshStrategy.media.rawValue

  @Option(help: "Milliseconds the drive stays out before the answers are written.")
  var absent: Int = 3000

  @Option(help: "Milliseconds the image must stay unchanged before it is read.")
  var quiet: Int = 1500

  func validate() throws {
    guard FileManager.default.fileExists(atPath: image) else {
      throw ValidationError("\(image) does not exist")
    }
    if let lun {
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: lun, isDirectory: &isFolder), isFolder.boolValue
      else { throw ValidationError("\(lun) is not a folder") }
    }
    if RefreshStrategy(rawValue: refresh) == nil {
      let names = RefreshStrategy.allCases.map(\.rawValue).joined(separator: ", ")
      throw ValidationError("--refresh must be one of \(names)")
    }
    if absent < 0 { throw ValidationError("--absent must not be negative") }
    if quiet < 0 { throw ValidationError("--quiet must not be negative") }
  }

  func run() throws {
    let model = try modelOptions.load()
    // The gadget opens the path written to its LUN: it must not depend on this directory.
    let imagePath = URL(fileURLWithPath: image).standardizedFileURL.path
    let medium = lun.map { MediumControl(lunDirectory: FilePath($0), imagePath: imagePath) }
    let strategy = RefreshStrategy(rawValue: refresh) ?? .media
    let service = try ImageService(
      imagePath: imagePath, medium: medium, strategy: strategy,
      models: modelOptions.shelf(builtIn: model))
    service.quietPeriod = .milliseconds(quiet)
    service.absentPeriod = .milliseconds(absent)
    service.log = { log($0) }
    log(
      "serving \(imagePath) with \(model.name)"
        + (lun.map { ", LUN \($0), refresh \(refresh)" } ?? ""))
    let stop = StopSignal()
    service.run { stop.requested }
    log("stopped")
  }
}
