import FATFS
import Foundation
import LLM
import SystemPackage
import Tokenizer

/// Image mode: answers prompt files on the FAT image a USB gadget shows to a
/// host computer.
///
/// The host's writes land in the image when it flushes, seen as IN_MODIFY on
/// the image file. After a quiet period the volume is read with the FAT
/// library; a file is taken once it reads the same in two reads a quiet
/// period apart. Answers are made while the host keeps the drive, collected
/// in memory, and written in one cycle: the medium is taken away, kept absent
/// past the host's media polling, the answers are appended, STATUS.TXT is
/// updated, the volume is marked clean and synced, and the medium is given
/// back. Nothing is written while the host has the medium: a host keeps
/// cached directory sectors and may write them back over the answers.
public final class ImageService {
  public let imagePath: String
  /// The LUN that serves the image; nil for a plain image no host uses,
  /// which is then written directly.
  public let medium: MediumControl?
  public let strategy: RefreshStrategy
  public let models: ModelShelf
  /// The way to the engines, shared with anything else answering in this program.
  public let answerQueue: AnswerQueue
  /// How long the image must be left alone before it is read: hosts write in bursts.
  public var quietPeriod: Duration = .milliseconds(1500)
  /// How long the medium stays out before the board writes: longer than the
  /// host's media polling (Linux polls every 2 s), so the host drops its caches.
  public var absentPeriod: Duration = .milliseconds(3000)
  /// Answers wait for the queue to empty so they go out in one cycle, but no
  /// longer than this, so a long queue still shows its first answers.
  public var batchLimit: Duration = .seconds(60)
  /// Files larger than this are not read (a prompt is text a person typed).
  public var sizeLimit = 16 << 20
  public private(set) var status = StatusBoard()
  /// The log: each answer, each cycle and each problem.
  public var log: (String) -> Void = { _ in }

  private let watcher: FileWatcher
  private let clock = ContinuousClock()
  private var shouldStop: () -> Bool = { false }

  /// When the next read of the volume is due; nil when nothing changed.
  private var scanDue: ContinuousClock.Instant?
  private var lastScan: ContinuousClock.Instant?
  private var lastEvent: ContinuousClock.Instant?
  /// Each prompt file's token in the previous read: a file is stable when it
  /// reads the same again.
  private var previousRead: [String: ChangeToken] = [:]
  /// The token each file had when it was last dealt with (queued, answered,
  /// reported), so it is not taken again until it changes.
  private var handled: [String: ChangeToken] = [:]
  /// Files waiting for the model, first come first served.
  private var queue: [PromptJob] = []
  /// Bytes waiting to be appended in the next cycle, in the order they were made.
  private var pending: [PendingWrite] = []
  /// The problems STATUS.TXT on the drive lists; a change needs a cycle.
  private var writtenProblems: Set<String> = []
  private var statusNeedsWriting = false
  /// The last error reading the volume, so it is logged once.
  private var readFailure: String?
  /// A failed read was tried once more since the last change.
  private var readRetried = false
  /// A cycle that could not take the medium away waits until then.
  private var retryAfter: ContinuousClock.Instant?
  /// The medium (or the device, for `replug`) is out and must go back.
  private var mediumOut = false
  private var unboundController: String?

  public init(
    imagePath: String, medium: MediumControl?, strategy: RefreshStrategy = .media,
    models: ModelShelf, answerQueue: AnswerQueue = AnswerQueue()
  ) throws(WatchError) {
    self.imagePath = imagePath
    self.medium = medium
    self.strategy = strategy
    self.models = models
    self.answerQueue = answerQueue
    watcher = try FileWatcher()
    try watcher.watch(imagePath, events: [.modified, .watchedItemGone])
    status.model = models.builtIn.modelName
    status.state = .waiting
  }

  /// Runs until `shouldStop` says so (checked at least once a second, and
  /// between the pieces of an answer).
  public func run(shouldStop: @escaping () -> Bool = { false }) {
    self.shouldStop = shouldStop
    if medium == nil { log("no LUN given: writing to \(imagePath) directly, as no host uses it") }
    if let medium, (try? medium.isInserted()) == false, strategy != .onEject {
      // Left out by an earlier run that stopped during a cycle.
      mediumOut = true
      markCleanIfOwnedHere()
    }
    // Files already waiting are answered: read now and again a quiet period later.
    scanDue = clock.now
    while !shouldStop() { step() }
    giveMediumBack()
  }

  /// Does the next thing: gives the medium back, answers a queued file,
  /// writes the answers, reads the volume, or waits for an event.
  func step() {
    if strategy == .onEject, !mediumOut, let medium, (try? medium.isInserted()) == false {
      // The person ejected the drive: write what is waiting, then give it back.
      mediumOut = true
    }
    if mediumOut && !hasWorkForCycle && queue.isEmpty && scanDue == nil {
      giveMediumBack()
    }
    if !queue.isEmpty && !oldestPendingIsOverdue {
      answer(queue.removeFirst())
      return
    }
    if cycleIsDue {
      writeBack()
      return
    }
    let now = clock.now
    if let due = scanDue {
      if due <= now {
        scan()
        return
      }
      let wait = now.duration(to: due)
      if wait < .seconds(1) {
        // The watcher waits at least a second; a scan due sooner sleeps instead,
        // and events that come meanwhile are read afterwards.
        sleep(for: wait)
        return
      }
    }
    if let event = watcher.nextEvent(waitingUpTo: 1) { handle(event) }
  }

  // MARK: Events and reading

  private func handle(_ event: FileEvent) {
    if event.events.contains(.watchedItemGone) {
      log("\(imagePath) was removed or replaced; watching the new file")
      try? watcher.watch(imagePath, events: [.modified, .watchedItemGone])
    }
    lastEvent = clock.now
    readRetried = false
    retryAfter = nil  // the host changed the drive: a failed cycle may try again
    scheduleScan()
  }

  /// A read a quiet period after now, and after the previous read.
  private func scheduleScan() {
    var due = clock.now.advanced(by: quietPeriod)
    if let lastScan { due = max(due, lastScan.advanced(by: quietPeriod)) }
    scanDue = due
  }

  /// Reads the volume; queues files that read the same as in the previous
  /// read, and reads again later when some did not.
  private func scan() {
    scanDue = nil
    lastScan = clock.now
    let volume: Volume
    let snapshot: Snapshot
    do {
      volume = try Volume(path: FilePath(imagePath), writable: false)
      snapshot = try volume.snapshot { $0.path.uppercased() == "/" + SettingsFile.fileName }
    } catch {
      let text = "\(error)"
      if !readRetried {
        // The host may be in the middle of writing: read once more before saying so.
        readRetried = true
        scheduleScan()
      } else if readFailure != text {
        readFailure = text
        log("cannot read the drive image: \(text) Nothing is written; waiting for the next change")
      }
      return
    }
    if readFailure != nil { log("the drive image reads again") }
    readFailure = nil
    readRetried = false

    let settingsFile =
      snapshot["/" + SettingsFile.fileName]?.contents.map { SettingsFile(bytes: $0) }
      ?? SettingsFile()
    let problemsBefore = Set(status.problems.map(\.text))
    status.reportSettingsProblems(settingsFile.problems)

    let prompts = snapshot.files.filter { PromptFileFilter.isPromptFile($0.path) }
    let present = Set(prompts.map(\.path))
    // Files that are gone: forget them and whatever was made for them.
    for path in Set(handled.keys).union(queue.map(\.path)).union(pending.map(\.path))
    where !present.contains(path) {
      forget(path)
      status.clearProblems(about: Self.name(of: path))
    }
    var unstable = false
    var stable: [Snapshot.Entry] = []
    for entry in prompts where handled[entry.path] != entry.token {
      // New or changed: what was made for an older version is dropped.
      forget(entry.path)
      if previousRead[entry.path] == entry.token {
        stable.append(entry)
      } else {
        unstable = true
      }
    }
    previousRead = Dictionary(prompts.map { ($0.path, $0.token) }, uniquingKeysWith: { a, _ in a })
    // First come first served: the oldest change first.
    stable.sort {
      ($0.modified ?? .distantPast, $0.path) < ($1.modified ?? .distantPast, $1.path)
    }
    for entry in stable {
      if !take(entry, from: volume, settings: settingsFile.settings) { unstable = true }
    }
    if Set(status.problems.map(\.text)) != problemsBefore { noteProblemsChanged() }
    if unstable { scheduleScan() }
  }

  /// Reads a stable file and decides what it needs; false when it changed meanwhile.
  private func take(_ entry: Snapshot.Entry, from volume: Volume, settings: Settings) -> Bool {
    let name = Self.name(of: entry.path)
    guard entry.size <= sizeLimit else {
      report("\(name): the file is larger than \(sizeLimit >> 20) MB; it was left as it is")
      handled[entry.path] = entry.token
      return true
    }
    let bytes: [UInt8]
    do {
      bytes = try volume.readFile(entry)
    } catch {
      return false
    }
    handled[entry.path] = entry.token
    let file: PromptFile
    do {
      file = try PromptFile(bytes: bytes, name: name)
    } catch {
      report("\(name): \(error)")
      return true
    }
    status.clearProblems(about: name)
    for problem in file.problems { status.report(problem.description) }
    if file.conversation.needsAnswer {
      queue.append(
        PromptJob(
          path: entry.path, name: name, token: entry.token, bytes: bytes, file: file,
          settings: file.settings(base: settings)))
    } else if let closing = file.closingInterruptedAnswer() {
      // An answer cut off earlier (a crash, a power cut): close it so the
      // person sees where to write a follow-up.
      pending.append(
        PendingWrite(
          path: entry.path, name: name, token: entry.token, size: bytes.count, bytes: closing,
          answer: nil))
    }
    return true
  }

  private func forget(_ path: String) {
    handled[path] = nil
    queue.removeAll { $0.path == path }
    pending.removeAll { $0.path == path }
  }

  // MARK: Answering

  /// Makes one answer in memory; the image is not touched.
  private func answer(_ job: PromptJob) {
    status.state = .answering(job.name)
    status.queueLength = queue.count
    log("answering \(job.name)")
    let choice = models.choice(for: job.settings) { name in copyModelOut(named: name) }
    if let problem = choice.problem { report(problem) }
    if choice.fallback == nil { clearRemoteEngineProblems() }
    status.model = choice.engine.modelName
    var appender = job.file.answerAppender()
    var bytes: [UInt8] = []
    var text = ""
    let shouldStop = self.shouldStop
    var stopped = false
    let answered = try? answerQueue.answer(
      choice, options: job.settings.generationOptions,
      prompt: { engine in
        .conversation(
          job.file.conversation.chatMessages(
            settings: job.settings, modelDefaultSystemPrompt: engine.defaultSystemPrompt))
      },
      begin: { engine, _ in
        // A fallback starts anew: nothing of a failed remote answer is kept.
        appender = job.file.answerAppender()
        bytes = appender.start(model: engine.modelName, date: Date(), timeZone: .current)
        text = ""
      }
    ) { piece in
      text += piece
      bytes += appender.append(piece)
      stopped = shouldStop()
      return !stopped
    }
    status.state = .waiting
    let result = answered?.result
    let engine = answered?.engine ?? choice.engine
    status.model = engine.modelName
    if let failure = answered?.failure {
      report(StatusBoard.fellBack(failure, to: engine.modelName))
    } else if answered != nil, choice.fallback != nil {
      clearRemoteEngineProblems()
    }
    for note in [result?.promptNote, engine.templateWarning].compactMap({ $0 }) {
      report("\(job.name): \(note)")
    }
    // The queue closes, or stops the answer it lets run, when the program stops.
    guard let result, !stopped, result.stopReason != .cancelled else {
      handled[job.path] = nil
      return
    }
    bytes += appender.end()
    do {
      try PromptFile.checkAppend(original: job.bytes, appended: bytes, answer: text, name: job.name)
    } catch {
      report("\(job.name): the answer was not written: \(error)")
      return
    }
    pending.append(
      PendingWrite(
        path: job.path, name: job.name, token: job.token, size: job.bytes.count, bytes: bytes,
        answer: (result.statistics.generatedTokens, result.statistics.generatedTokensPerSecond),
        madeAt: clock.now))
  }

  // MARK: Writing back

  private var hasWorkForCycle: Bool { !pending.isEmpty || statusNeedsWriting }

  private var oldestPendingIsOverdue: Bool {
    guard let made = pending.lazy.compactMap(\.madeAt).first else { return false }
    return made.duration(to: clock.now) >= batchLimit
  }

  /// A cycle runs when there is something to write, the queue is empty (or
  /// an answer waited too long), and the host has been quiet.
  /// How long a cycle that could not write waits before the next try,
  /// unless the host changes the drive first.
  static let failedCycleBackOff = Duration.seconds(60)

  private var cycleIsDue: Bool {
    guard hasWorkForCycle, readFailure == nil else { return false }
    let now = clock.now
    if let retryAfter, now < retryAfter { return false }
    guard queue.isEmpty || oldestPendingIsOverdue else { return false }
    guard scanDue == nil || oldestPendingIsOverdue else { return false }
    if let lastEvent, lastEvent.duration(to: now) < quietPeriod { return false }
    if strategy == .onEject, let medium, !mediumOut {
      // Written only once the person ejected the drive.
      guard let inserted = try? medium.isInserted(), !inserted else { return false }
      mediumOut = true
    }
    return true
  }

  /// Takes the medium away, writes every pending answer and STATUS.TXT, and
  /// gives the medium back.
  private func writeBack() {
    retryAfter = nil
    // The host is disturbed only for a volume that can be written: a damaged
    // one would make every cycle eject the drive for nothing.
    let volume: Volume
    do {
      volume = try Volume(path: FilePath(imagePath), writable: false)
      try volume.validate()
    } catch {
      log("the drive's file system cannot be written: \(error) Trying again after the next change")
      retryAfter = clock.now + Self.failedCycleBackOff
      return
    }
    // Answers whose file changed since are dropped before the host is disturbed.
    dropChanged(reading: volume)
    guard hasWorkForCycle else { return }
    status.state = .writing
    guard takeMediumAway() else {
      retryAfter = clock.now.advanced(by: .seconds(5))
      return
    }
    let started = clock.now
    writeToVolume()
    giveMediumBack()
    log(
      "write-back done in \(started.duration(to: clock.now).inMilliseconds) ms"
        + (medium == nil ? "" : "; the drive is back"))
    status.state = .waiting
    ignoreOwnWrites()
  }

  /// Drops pending bytes whose file is no longer the version they were made for.
  private func dropChanged(reading volume: Volume) {
    guard let snapshot = try? volume.snapshot() else { return }
    for write in pending {
      guard let entry = snapshot[write.path], entry.token == write.token else {
        log("\(write.name) changed since it was read; it will be answered again")
        forget(write.path)
        continue
      }
    }
  }

  private func takeMediumAway() -> Bool {
    guard let medium else { return true }
    if mediumOut { return true }
    do {
      switch strategy {
      case .media:
        log("ejecting the drive to write \(Self.files(pending.count))")
        try medium.eject()
        mediumOut = true
        // The kernel takes the medium at once; a stand-in directory may lag.
        let deadline = clock.now.advanced(by: .seconds(2))
        while (try? medium.isInserted()) != false {
          guard clock.now < deadline else {
            log("the drive is still in after ejecting it; nothing is written, trying again later")
            return false
          }
          sleep(for: .milliseconds(10))
        }
      case .replug:
        log("disconnecting the USB device to write \(Self.files(pending.count))")
        unboundController = try medium.unbind()
        mediumOut = true
      case .onEject:
        return true
      }
    } catch {
      log("cannot take the drive away: \(error); nothing is written, trying again later")
      return false
    }
    // The host must notice the medium is gone and drop its caches first.
    sleep(for: absentPeriod)
    return true
  }

  private func giveMediumBack() {
    guard let medium, mediumOut else { return }
    do {
      if let controller = unboundController {
        try medium.bind(controller)
        unboundController = nil
      } else {
        try medium.insert()
      }
      mediumOut = false
    } catch {
      log("cannot give the drive back: \(error); trying again")
      sleep(for: .milliseconds(200))
    }
  }

  /// The writes, with the medium out: validate, mark dirty, append, STATUS.TXT,
  /// sync, mark clean, sync. A failure leaves a volume a disk check accepts.
  private func writeToVolume() {
    let volume: Volume
    let before: Snapshot
    do {
      volume = try Volume(path: FilePath(imagePath), writable: true)
      try volume.validate()
      before = try volume.snapshot()
    } catch {
      log("the drive's file system cannot be written: \(error) Nothing was written")
      retryAfter = clock.now + Self.failedCycleBackOff
      return
    }
    do {
      // Marked dirty first, so a power cut during the writes makes hosts check the drive.
      try volume.setDirty(true)
      try volume.synchronize()
    } catch {
      log("cannot mark the drive as being written: \(error) Nothing was written")
      retryAfter = clock.now + Self.failedCycleBackOff
      return
    }
    var written: [String] = []
    for write in pending {
      guard let entry = before[write.path], entry.token == write.token, entry.size == write.size
      else {
        log("\(write.name) changed since it was read; it will be answered again")
        handled[write.path] = nil
        continue
      }
      do {
        try volume.append(write.bytes, to: entry.path)
        written.append(write.path)
        if let answer = write.answer {
          log(
            status.recordAnswer(
              file: write.name, tokens: answer.tokens, tokensPerSecond: answer.rate))
        } else {
          log("closed the interrupted answer in \(write.name)")
        }
      } catch .volumeFull {
        report(StatusBoard.driveFull(write.name))
      } catch {
        report("\(write.name): the answer was not written: \(error)")
      }
    }
    pending.removeAll()
    status.queueLength = queue.count
    status.state = .waiting
    writeStatus(on: volume)
    do {
      try volume.synchronize()
      try volume.clearDirtyBit()
      try volume.synchronize()
    } catch {
      log("cannot mark the drive clean: \(error)")
    }
    // What this cycle wrote is the new baseline: not a change by the person.
    if let after = try? volume.snapshot() {
      for path in written { handled[path] = after[path]?.token }
      previousRead = Dictionary(
        after.files.filter { PromptFileFilter.isPromptFile($0.path) }.map { ($0.path, $0.token) },
        uniquingKeysWith: { a, _ in a })
    }
  }

  /// With the medium out, no host has the volume: a dirty mark is left from
  /// a stop in the middle of a cycle, and a volume that validates is clean.
  private func markCleanIfOwnedHere() {
    do {
      let volume = try Volume(path: FilePath(imagePath), writable: true)
      guard try volume.isDirty() else { return }
      try volume.validate()
      try volume.clearDirtyBit()
      try volume.synchronize()
      log(
        "the drive was left marked dirty by a stop during a write; it checks out and is marked clean"
      )
    } catch {
      log("the drive was left out by a stop during a write and does not check out: \(error)")
    }
  }

  private func writeStatus(on volume: Volume) {
    let path = "/STATUS.TXT"
    let text = Array(status.text().utf8)
    do {
      if try volume.exists(path) {
        try volume.rewrite(path, contents: text)
      } else {
        try volume.createFile(path, contents: text)
      }
    } catch {
      log("STATUS.TXT could not be written: \(error)")
    }
    // Written or not, it waits for the next cycle: a failing write must not eject again and again.
    writtenProblems = Set(status.problems.map(\.text))
    statusNeedsWriting = false
  }

  /// The board's own writes raised events; they are read and dropped now, and
  /// one read a quiet period later catches a host write among them.
  private func ignoreOwnWrites() {
    let deadline = clock.now.advanced(by: .seconds(2))
    while clock.now < deadline, watcher.nextEvent(waitingUpTo: 1) != nil {}
    lastEvent = nil
    lastScan = clock.now
    scheduleScan()
  }

  // MARK: Status

  private func report(_ problem: String) {
    log(problem)
    status.report(problem)
    noteProblemsChanged()
  }

  private func clearRemoteEngineProblems() {
    status.clearRemoteEngineProblems()
    noteProblemsChanged()
  }

  private func noteProblemsChanged() {
    if Set(status.problems.map(\.text)) != writtenProblems { statusNeedsWriting = true }
  }

  // MARK: Helpers

  /// The path as the person names the file: without the leading slash.
  static func name(of path: String) -> String {
    path.hasPrefix("/") ? String(path.dropFirst()) : path
  }

  static func files(_ count: Int) -> String {
    count == 1 ? "1 file" : "\(count) files"
  }

  private func sleep(for duration: Duration) {
    let seconds = duration.inSeconds
    if seconds > 0 { Thread.sleep(forTimeInterval: seconds) }
  }
}

extension ImageService {
  /// Where models dropped on the drive are copied to be mapped: beside the image.
  var modelCache: String { imagePath + ".models" }

  /// Copies MODELS/`name` out of the image (reading only) unless the copy is
  /// current, so the model can be memory-mapped like any file.
  func copyModelOut(named name: String) -> ModelShelf.Located? {
    guard let volume = try? Volume(path: FilePath(imagePath), writable: false),
      let snapshot = try? volume.snapshot(),
      let entry = snapshot["/" + ModelShelf.folderName + "/" + name], !entry.isDirectory
    else { return nil }
    let key = entry.token.description
    let target = modelCache + "/" + name
    let keyFile = target + ".token"
    if (try? String(contentsOfFile: keyFile, encoding: .utf8)) == key,
      FileManager.default.fileExists(atPath: target)
    {
      return ModelShelf.Located(path: target, key: key)
    }
    do {
      try FileManager.default.createDirectory(
        atPath: modelCache, withIntermediateDirectories: true)
      let partial = target + ".copying"
      FileManager.default.createFile(atPath: partial, contents: nil)
      let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: partial))
      defer { try? handle.close() }
      let chunk = 4 << 20
      var offset = 0
      while offset < entry.size {
        let bytes = try volume.readFile(entry.path, range: offset..<min(offset + chunk, entry.size))
        try handle.write(contentsOf: Data(bytes))
        offset += bytes.count
        if bytes.isEmpty { break }
      }
      try handle.close()
      _ = rename(partial, target)
      try key.write(toFile: keyFile, atomically: true, encoding: .utf8)
      return ModelShelf.Located(path: target, key: key)
    } catch {
      report("\(ModelShelf.folderName)/\(name) could not be read from the drive: \(error)")
      return nil
    }
  }
}

/// A stable file that needs an answer.
struct PromptJob {
  let path: String
  let name: String
  let token: ChangeToken
  let bytes: [UInt8]
  let file: PromptFile
  let settings: Settings
}

/// Bytes to append to a file in the next cycle, if it is still the version
/// they were made for.
struct PendingWrite {
  let path: String
  let name: String
  let token: ChangeToken
  let size: Int
  let bytes: [UInt8]
  /// Tokens and speed, for an answer; nil for closing an interrupted one.
  let answer: (tokens: Int, rate: Double)?
  var madeAt: ContinuousClock.Instant? = nil
}
