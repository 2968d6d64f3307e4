import ArgumentParser
import Foundation
import LLM
import Stick

struct Watch: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Answer the .txt questions saved in a folder, writing each answer into its file.",
    discussion: """
      Watches DIR and every folder below it. A question is answered a moment after its file \
      is saved; the answer streams into the same file below the question. Files already \
      waiting are answered at start. STATUS.TXT in DIR says what is happening. Stop with Ctrl-C.
      """)

  @OptionGroup var modelOptions: ModelOptions
  @OptionGroup var remoteOptions: RemoteOptions

  @Option(help: "Milliseconds a file must stay unchanged before it is read.")
  var quiet: Int = 800

  @Argument(help: "The folder to watch.")
  var directory: String

  func validate() throws {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder),
      isFolder.boolValue
    else { throw ValidationError("\(directory) is not a folder") }
    if quiet < 0 { throw ValidationError("--quiet must not be negative") }
  }

  func run() throws {
    let model = try modelOptions.load()
    let folder = URL(fileURLWithPath: directory).standardizedFileURL.path
    let models = modelOptions.shelf(builtIn: model)
    models.defaultRemote = remoteOptions.settings
    let service = try FolderService(root: folder, models: models)
    service.quietPeriod = .milliseconds(quiet)
    service.log = { log($0) }
    log("watching \(folder) with \(model.name)")
    let stop = StopSignal()
    service.run { stop.requested }
    log("stopped")
  }
}
