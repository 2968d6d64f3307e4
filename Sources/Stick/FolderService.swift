import Foundation
import LLM
import SystemPackage
import Tokenizer

#if canImport(Glibc)
  import Glibc
#endif

/// Folder mode: answers prompt files in an ordinary folder (a dev board, a
/// laptop, a mounted drive). Changes are seen through inotify on the whole
/// tree; each file is taken after a quiet period, and the answer streams
/// into it as it is made, then is synced to disk.
public final class FolderService {
  public let root: String
  public let models: ModelShelf
  /// The way to the engines, shared with anything else answering in this program.
  public let answerQueue: AnswerQueue
  /// How long a file must be left alone before it is read: editors write in bursts.
  public var quietPeriod: Duration = .milliseconds(800)
  /// Files larger than this are not read (a prompt is text a person typed).
  public var sizeLimit = 16 << 20
  public private(set) var status = StatusBoard()
  /// Called after each answer and with each problem; the log.
  public var log: (String) -> Void = { _ in }

  private let watcher: FileWatcher
  private let clock = ContinuousClock()
  /// Paths with recent events and when the last one came.
  private var settling: [String: ContinuousClock.Instant] = [:]
  /// Paths ready to be looked at, first come first served.
  private var queue: [String] = []
  /// The size and change time each file had after the last write here, so
  /// this program's own writes are not taken for the person's.
  private var ownWrites: [String: FileStamp] = [:]
  /// A folder renamed away, by the rename's cookie, until its new name comes.
  private var folderMovedOut: (cookie: UInt32, path: String)?
  /// Files found unreadable or binary, by stamp, so they are reported once.
  private var reported: [String: FileStamp] = [:]

  public init(
    root: String, models: ModelShelf, answerQueue: AnswerQueue = AnswerQueue()
  ) throws(WatchError) {
    var root = root
    while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
    self.root = root
    self.models = models
    self.answerQueue = answerQueue
    watcher = try FileWatcher()
    try watcher.watchRecursively(root)
    status.model = models.builtIn.modelName
  }

  /// Checked at least once a second and between the pieces of an answer.
  private var shouldStop: () -> Bool = { false }

  /// Runs until `shouldStop` says so. An answer cut short by a stop is taken
  /// back, so the file is as the person left it.
  public func run(shouldStop: @escaping () -> Bool = { false }) {
    self.shouldStop = shouldStop
    enqueueEverything()
    while !shouldStop() { step() }
  }

  /// Answers the next queued file; with none queued, takes one event (or
  /// waits up to a second for one) and queues the files that have settled.
  /// Events that come in during an answer wait in the kernel's queue; if it
  /// overflows, everything is looked at again.
  func step() {
    updateStatus(queueLength: queue.count)
    if !queue.isEmpty {
      answer(queue.removeFirst())
      return
    }
    if let event = watcher.nextEvent(waitingUpTo: 1) { handle(event) }
    let now = clock.now
    for (path, last) in settling.sorted(by: { $0.value < $1.value })
    where last.duration(to: now) >= quietPeriod {
      settling[path] = nil
      if !queue.contains(path) { queue.append(path) }
    }
  }

  private func handle(_ event: FileEvent) {
    if event.events.contains(.overflow) {
      log("events were lost: looking at every file again")
      enqueueEverything()
      return
    }
    if event.events.contains(.watchedItemGone) && event.path == root {
      // The watched folder itself was moved or removed.
      if !FileManager.default.fileExists(atPath: root) {
        report("", "the folder \(root) is gone; nothing more can be answered")
        return
      }
      try? watcher.watchRecursively(root)
      enqueueEverything()
      return
    }
    if event.events.contains(.isDirectory) {
      if event.events.contains(.movedOut) {
        folderMovedOut = (event.cookie, event.path)
        return
      }
      if event.events.contains(.movedIn), let moved = folderMovedOut, moved.cookie == event.cookie {
        // Renamed within the tree: its watches stay, under the new name.
        watcher.folderRenamed(from: moved.path, to: event.path)
        folderMovedOut = nil
      }
      if event.events.contains(.created) || event.events.contains(.movedIn) {
        // A folder made (or moved in) later: watch it, and take what it holds.
        try? watcher.watchRecursively(event.path)
        enqueueFiles(below: event.path)
      }
      return
    }
    guard let relative = relativePath(event.path), PromptFileFilter.isPromptFile(relative) else {
      return
    }
    if event.events.contains(.deleted) || event.events.contains(.movedOut) {
      settling[event.path] = nil
      queue.removeAll { $0 == event.path }
      status.clearProblems(about: relative)
      return
    }
    settling[event.path] = clock.now
  }

  private func relativePath(_ path: String) -> String? {
    guard path.hasPrefix(root + "/") else { return nil }
    return String(path.dropFirst(root.count + 1))
  }

  private func enqueueEverything() {
    enqueueFiles(below: root)
  }

  private func enqueueFiles(below folder: String) {
    guard let walker = FileManager.default.enumerator(atPath: folder) else { return }
    var found: [String] = []
    for case let name as String in walker {
      let path = folder + "/" + name
      if let relative = relativePath(path), PromptFileFilter.isPromptFile(relative) {
        found.append(path)
      }
    }
    for path in found.sorted() where !queue.contains(path) { queue.append(path) }
  }

  /// Reads, decides, answers and writes one file.
  private func answer(_ path: String) {
    guard let relative = relativePath(path) else { return }
    guard let stamp = FileStamp(path: path), stamp.isRegularFile else { return }
    if ownWrites[path] == stamp { return }
    guard stamp.size <= sizeLimit else {
      report(
        relative, "\(relative): the file is larger than \(sizeLimit >> 20) MB; it was left as it is"
      )
      return
    }
    guard let bytes = FileManager.default.contents(atPath: path).map(Array.init) else { return }
    let file: PromptFile
    do {
      file = try PromptFile(bytes: bytes, name: relative)
    } catch {
      if reported[path] != stamp {
        reported[path] = stamp
        report(relative, "\(relative): \(error)")
      }
      return
    }
    reported[path] = nil
    status.clearProblems(about: relative)
    let settingsFile = SettingsFile.load(path: root + "/SETTINGS.TXT")
    status.reportSettingsProblems(settingsFile.problems)
    for problem in file.problems { status.report(problem.description) }

    if !file.conversation.needsAnswer {
      if let closing = file.closingInterruptedAnswer() {
        // An answer cut off earlier (a crash, a power cut): close it so the
        // person sees where to write a follow-up.
        _ = append(closing, to: path, expecting: bytes.count)
      }
      return
    }

    let settings = file.settings(base: settingsFile.settings)
    let choice = models.choice(for: settings) { name in
      let path = root + "/" + ModelShelf.folderName + "/" + name
      guard let stamp = FileStamp(path: path), stamp.isRegularFile else { return nil }
      return ModelShelf.Located(
        path: path, key: "\(stamp.inode) \(stamp.size) \(stamp.changed.tv_sec)")
    }
    if let problem = choice.problem { status.report(problem) }
    if choice.fallback == nil { status.clearRemoteEngineProblems() }
    status.model = choice.engine.modelName
    guard Self.freeBytes(at: path) >= Self.spaceNeeded(settings) else {
      report(relative, StatusBoard.driveFull(relative))
      return
    }
    let writer: StreamingWriter
    switch StreamingWriter.open(path: path, expectedSize: bytes.count) {
    case .success(let opened):
      writer = opened
    case .failure(.changed):
      settling[path] = clock.now  // written again since it was read: wait for quiet
      return
    case .failure(.cannotOpen(let error)):
      if reported[path] != stamp {
        reported[path] = stamp
        report(relative, "\(relative): the answer cannot be written (\(error))")
      }
      return
    }
    status.state = .answering(relative)
    writeStatus()
    log("answering \(relative)")
    var appender = file.answerAppender()
    var writing = true
    var stopped = false
    let answered = try? answerQueue.answer(
      choice, options: settings.generationOptions,
      prompt: { engine in
        .conversation(
          file.conversation.chatMessages(
            settings: settings, modelDefaultSystemPrompt: engine.defaultSystemPrompt))
      },
      begin: { engine, again in
        if again {
          // The remote engine failed: its words go, the fallback's answer takes their place.
          writer.withdraw()
          appender = file.answerAppender()
        }
        writing = writer.write(
          appender.start(model: engine.modelName, date: Date(), timeZone: .current))
      }
    ) { piece in
      writing = writing && writer.write(appender.append(piece))
      stopped = shouldStop()
      return writing && !stopped
    }
    let result = answered?.result
    let engine = answered?.engine ?? choice.engine
    status.model = engine.modelName
    if let failure = answered?.failure {
      let problem = StatusBoard.fellBack(failure, to: engine.modelName)
      status.report(problem)
      log("\(relative): \(problem)")
    } else if answered != nil, choice.fallback != nil {
      status.clearRemoteEngineProblems()
    }
    // The queue closes, or stops the answer it lets run, when the program stops.
    if result == nil || (writing && result?.stopReason == .cancelled) { stopped = true }
    for note in [result?.promptNote, engine.templateWarning].compactMap({ $0 }) {
      status.report("\(relative): \(note)")
    }
    if stopped {
      writer.withdraw()
      log("stopped while answering \(relative); the file is as it was")
    } else if writing, let result, writer.write(appender.end()), writer.synchronize() {
      log(
        status.recordAnswer(
          file: relative, tokens: result.statistics.generatedTokens,
          tokensPerSecond: result.statistics.generatedTokensPerSecond))
    } else if let error = writer.failure {
      // The disk refused a write (full, or failing): take back what was
      // written, so the file is as the person left it.
      writer.withdraw()
      report(
        relative,
        error == .noSpace
          ? StatusBoard.driveFull(relative)
          : "\(relative): the answer could not be written (\(error))")
    } else {
      // The file was changed, replaced or deleted while the answer was being
      // written: stop, leave it as it is, and look at it again.
      log("\(relative) changed during the answer; the answer was stopped")
      if FileManager.default.fileExists(atPath: path) { settling[path] = clock.now }
    }
    if let after = FileStamp(path: path) { ownWrites[path] = after }
    writer.close()
    status.state = .waiting
    writeStatus()
  }

  /// Appends `bytes` when the file still has `expecting` bytes.
  private func append(_ bytes: [UInt8], to path: String, expecting size: Int) -> Bool {
    guard case .success(let writer) = StreamingWriter.open(path: path, expectedSize: size) else {
      return false
    }
    defer { writer.close() }
    let done = writer.write(bytes) && writer.synchronize()
    if let after = FileStamp(path: path) { ownWrites[path] = after }
    return done
  }

  /// Room an answer may take: four bytes a token in UTF-8, twice that in
  /// UTF-16, and some slack for the markers.
  static func spaceNeeded(_ settings: Settings) -> Int { settings.maxTokens * 8 + 4096 }

  static func freeBytes(at path: String) -> Int {
    var info = statvfs()
    guard statvfs(path, &info) == 0 else { return Int.max }
    return Int(info.f_bavail) * Int(info.f_frsize)
  }

  private func report(_ name: String, _ problem: String) {
    status.report(problem)
    log(problem)
    writeStatus()
  }

  private func updateStatus(queueLength: Int) {
    if status.queueLength != queueLength || status.state == .starting {
      status.queueLength = queueLength
      if status.state == .starting { status.state = .waiting }
      writeStatus()
    }
  }

  /// STATUS.TXT in the folder, replaced whole so no one reads half of it.
  private func writeStatus() {
    let path = root + "/STATUS.TXT"
    let temporary = root + "/.STATUS.TXT.writing"
    guard FileManager.default.createFile(atPath: temporary, contents: Data(status.text().utf8))
    else { return }
    if rename(temporary, path) != 0 { unlink(temporary) }
  }
}

/// A file's size and change time: enough to tell whether it was written since.
struct FileStamp: Equatable {
  let size: Int
  let changed: timespec
  let inode: UInt64
  let isRegularFile: Bool

  init?(path: String) {
    var status = stat()
    guard lstat(path, &status) == 0 else { return nil }
    size = Int(status.st_size)
    changed = status.st_ctim
    inode = UInt64(status.st_ino)
    isRegularFile = (status.st_mode & S_IFMT) == S_IFREG
  }

  static func == (a: FileStamp, b: FileStamp) -> Bool {
    a.size == b.size && a.inode == b.inode && a.changed.tv_sec == b.changed.tv_sec
      && a.changed.tv_nsec == b.changed.tv_nsec
  }
}

/// Appends to one file while checking, before every write, that it is still
/// the same file at the same size: a file replaced, renamed away, deleted or
/// written by someone else stops the writing, so an answer never lands in
/// another file or after the person's edit.
final class StreamingWriter {
  private let path: String
  private let descriptor: FileDescriptor
  private let inode: UInt64
  private var size: Int
  private let originalSize: Int
  /// Why a write failed, when the disk refused it (not when the file changed).
  private(set) var failure: Errno?

  enum OpenFailure: Error {
    /// The file is not the size it was read at: written since.
    case changed
    /// The file cannot be opened for writing (read-only, permissions).
    case cannotOpen(Errno)
  }

  static func open(path: String, expectedSize: Int) -> Result<StreamingWriter, OpenFailure> {
    let descriptor: FileDescriptor
    do {
      descriptor = try FileDescriptor.open(FilePath(path), .writeOnly, options: [.append])
    } catch {
      return .failure(.cannotOpen(error as? Errno ?? .ioError))
    }
    var status = stat()
    guard fstat(descriptor.rawValue, &status) == 0, Int(status.st_size) == expectedSize else {
      try? descriptor.close()
      return .failure(.changed)
    }
    return .success(
      StreamingWriter(
        path: path, descriptor: descriptor, inode: UInt64(status.st_ino), size: expectedSize))
  }

  private init(path: String, descriptor: FileDescriptor, inode: UInt64, size expectedSize: Int) {
    self.path = path
    self.descriptor = descriptor
    self.inode = inode
    size = expectedSize
    originalSize = expectedSize
  }

  /// Writes `bytes` at the end, or returns false if the file is no longer ours to write.
  func write(_ bytes: [UInt8]) -> Bool {
    guard stillTheSameFile() else { return false }
    guard !bytes.isEmpty else { return true }
    do {
      size += try descriptor.writeAll(bytes)
      return true
    } catch {
      failure = error as? Errno ?? .ioError
      // A short write may have landed part of the bytes.
      var status = stat()
      if fstat(descriptor.rawValue, &status) == 0 { size = Int(status.st_size) }
      return false
    }
  }

  /// Takes back everything written here, when nothing else wrote the file.
  func withdraw() {
    guard stillTheSameFile() else { return }
    if ftruncate(descriptor.rawValue, off_t(originalSize)) == 0 {
      size = originalSize
      _ = synchronize()
    }
  }

  func synchronize() -> Bool {
    guard fsync(descriptor.rawValue) == 0 else {
      failure = Errno(rawValue: errno)
      return false
    }
    return true
  }

  func close() {
    try? descriptor.close()
  }

  private func stillTheSameFile() -> Bool {
    var open = stat()
    var named = stat()
    guard fstat(descriptor.rawValue, &open) == 0, stat(path, &named) == 0 else { return false }
    return UInt64(named.st_ino) == inode && UInt64(open.st_ino) == inode && open.st_nlink > 0
      && Int(open.st_size) == size
  }
}
