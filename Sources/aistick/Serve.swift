import ArgumentParser
import Foundation
import LLM
import Server
import Stick
import SystemPackage

struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Answer the questions saved on the drive image or in a folder, and over an HTTP API.",
    discussion: """
      With --image, watches IMAGE, the FAT image the gadget's LUN serves. A question is read \
      once the computer has stopped writing; the answer is made while the computer keeps the \
      drive, then the drive is taken away, the answers are written into their files with \
      STATUS.TXT, and the drive is given back. Without --lun, IMAGE is written directly (no \
      computer may use it meanwhile). With --folder, answers the .txt files in DIR as `watch` \
      does. With --http, serves an OpenAI-compatible API (GET /v1/models, POST \
      /v1/chat/completions, POST /v1/completions, GET /health) on HOST:PORT; alone or beside \
      --image or --folder, all answers wait in one queue for the one model. The drive and the \
      folder may be answered by a remote engine (engine_url in SETTINGS.TXT, or --remote); the \
      HTTP API always serves the model on the board. Stop with Ctrl-C.
      """)

  @OptionGroup var modelOptions: ModelOptions
  @OptionGroup var remoteOptions: RemoteOptions

  @Option(help: "The FAT image file the USB gadget serves.")
  var image: String?

  @Option(help: "A folder whose .txt questions are answered, as `watch` does.")
  var folder: String?

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

  @Option(
    help: "Milliseconds the image (default 1500) or a file (default 800) must stay unchanged.")
  var quiet: Int?

  @Option(
    help: """
      Serve the OpenAI-compatible HTTP API on HOST:PORT: 127.0.0.1:8080 for this machine, the \
      USB link's address for the computer the stick is plugged into, 0.0.0.0:8080 for any \
      network (which needs --api-key or --allow-open). Port 0 takes a free port.
      """)
  var http: String?

  @Option(
    help: """
      The key HTTP clients must send (Authorization: Bearer KEY) on every /v1 request. \
      Default: $AISTICK_API_KEY, else none.
      """)
  var apiKey: String?

  @Flag(help: "Serve HTTP without a key on an address other machines can reach.")
  var allowOpen = false

  @Option(help: "HTTP requests that may wait for the model besides the one it answers.")
  var maxQueue: Int = 8

  func validate() throws {
    guard image != nil || folder != nil || http != nil else {
      throw ValidationError("give --image, --folder or --http (or --http with one of the others)")
    }
    if image != nil && folder != nil {
      throw ValidationError("give --image or --folder, not both")
    }
    if let image, !FileManager.default.fileExists(atPath: image) {
      throw ValidationError("\(image) does not exist")
    }
    if let folder {
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder),
        isFolder.boolValue
      else { throw ValidationError("\(folder) is not a folder") }
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
    if let quiet, quiet < 0 { throw ValidationError("--quiet must not be negative") }
    if maxQueue < 0 { throw ValidationError("--max-queue must not be negative") }
    _ = try serverSettings()
  }

  /// The HTTP settings, checked; nil without --http.
  func serverSettings() throws -> ServerSettings? {
    guard let http else { return nil }
    do {
      let key = apiKey ?? ProcessInfo.processInfo.environment["AISTICK_API_KEY"]
      let settings = ServerSettings(address: try ListenAddress(parsing: http), apiKey: key)
      try settings.check(allowOpen: allowOpen)
      return settings
    } catch {
      throw ValidationError("--http: \(error)")
    }
  }

  func run() async throws {
    let model = try modelOptions.load()
    let models = modelOptions.shelf(builtIn: model)
    models.defaultRemote = remoteOptions.settings
    let queue = AnswerQueue(capacity: maxQueue)
    let stop = StopSignal()
    let fileService = try makeFileService(models: models, queue: queue, model: model)
    let fileServiceEnded = Task { await fileService?.run(until: stop) }

    if let settings = try serverSettings() {
      let engine = EngineReference(models.builtIn)
      let server = APIServer(settings: settings, queue: queue, engine: engine, log: { log($0) })
      do {
        try await server.run(
          until: {
            await stop.wait()
            // Answers being made stop at once; their responses say so.
            queue.close()
          },
          onListening: { address in
            log("serving the HTTP API on http://\(address)/v1, model \(engine.modelName)")
          })
      } catch {
        log("cannot serve HTTP on \(settings.address): \(error)")
        queue.close()
        stop.request()
        await fileServiceEnded.value
        throw ExitCode(1)
      }
    }
    await fileServiceEnded.value
    queue.close()
    log("stopped")
  }

  /// The drive's or the folder's service, ready to run; nil for HTTP alone.
  private func makeFileService(
    models: ModelShelf, queue: AnswerQueue, model: LanguageModel
  ) throws -> FileService? {
    if let image {
      // The gadget opens the path written to its LUN: it must not depend on this directory.
      let imagePath = URL(fileURLWithPath: image).standardizedFileURL.path
      let medium = lun.map { MediumControl(lunDirectory: FilePath($0), imagePath: imagePath) }
      let strategy = RefreshStrategy(rawValue: refresh) ?? .media
      let service = try ImageService(
        imagePath: imagePath, medium: medium, strategy: strategy, models: models,
        answerQueue: queue)
      service.quietPeriod = .milliseconds(quiet ?? 1500)
      service.absentPeriod = .milliseconds(absent)
      service.log = { log($0) }
      log(
        "serving \(imagePath) with \(model.name)"
          + (lun.map { ", LUN \($0), refresh \(refresh)" } ?? ""))
      return FileService(service.run)
    }
    if let folder {
      let root = URL(fileURLWithPath: folder).standardizedFileURL.path
      let service = try FolderService(root: root, models: models, answerQueue: queue)
      service.quietPeriod = .milliseconds(quiet ?? 800)
      service.log = { log($0) }
      log("watching \(root) with \(model.name)")
      return FileService(service.run)
    }
    return nil
  }
}
