import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `aistick serve` on an image, with this test playing the host and the
/// kernel's LUN: it writes questions with mtools while the medium is in, and
/// checks that the board never writes the image while the medium is in.
@Suite(.serialized) struct ServeTests {
  @Test func answersAQuestionAndAFollowUp() throws {
    let stick = try TestStick()
    defer { stick.finish() }
    try stick.start()
    let question = Array("What is the capital of France?\n".utf8)
    let started = Date()
    try stick.host.write(question, to: "Q.TXT")
    let answered = try stick.waitForFile("Q.TXT") { ServeTests.count("--- end", in: $0) == 1 }
    print("answer readable \(ServeTests.seconds(since: started)) s after the question was written")
    #expect(answered.starts(with: question))
    let text = String(decoding: answered, as: UTF8.self)
    #expect(text.contains("\n\n--- answer ("))
    #expect(text.hasSuffix("\n--- end\n"))
    let status = String(decoding: try stick.read("STATUS.TXT"), as: UTF8.self)
    #expect(status.contains("Last answer: Q.TXT at"))
    #expect(status.contains("\r\n"))
    #expect(try stick.lunFile() == stick.image)
    #expect(try stick.fileSystemProblems(allowingDirtyBit: false) == [])

    // A follow-up below the answer gets a second answer.
    let followUp = answered + Array("And of Germany?\n".utf8)
    try stick.host.write(followUp, to: "Q.TXT")
    let second = try stick.waitForFile("Q.TXT") { ServeTests.count("--- end", in: $0) == 2 }
    #expect(second.starts(with: followUp))
    #expect(try stick.lunFile() == stick.image)
    #expect(try stick.fileSystemProblems(allowingDirtyBit: false) == [])
    #expect(stick.host.violations == [])
  }

  @Test func answersUTF16FilesWaitingAtStartInTheirEncoding() throws {
    let stick = try TestStick()
    defer { stick.finish() }
    // UTF-16 LE with a byte order mark and CRLF, as Notepad saves "Unicode".
    let question: [UInt8] =
      [0xFF, 0xFE] + "Say hello.\r\n".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    try stick.host.write(question, to: "HELLO.TXT")
    let started = Date()
    try stick.start()
    let answered = try stick.waitForFile("HELLO.TXT") { bytes in
      ServeTests.decodeUTF16(bytes).contains("--- end")
    }
    print("answer readable \(ServeTests.seconds(since: started)) s after the start")
    #expect(answered.starts(with: question))
    let appended = Array(answered.dropFirst(question.count))
    #expect(appended.count % 2 == 0)
    #expect(!appended.starts(with: [0xFF, 0xFE]))
    let text = ServeTests.decodeUTF16(appended)
    #expect(text.hasPrefix("\r\n--- answer ("))
    #expect(text.hasSuffix("\r\n--- end\r\n"))
    #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    #expect(try stick.fileSystemProblems(allowingDirtyBit: false) == [])
    #expect(stick.host.violations == [])
  }

  @Test func answersTwoFilesInOneCycleAndReportsABinaryFile() throws {
    let stick = try TestStick()
    defer { stick.finish() }
    try stick.start()
    let binary: [UInt8] = [0x00, 0x01, 0x02, 0xFF, 0xFE, 0x00, 0x89, 0x50, 0x4E, 0x47]
    try stick.host.write(
      [
        "ONE.TXT": Array("Name a color.\n".utf8), "TWO.TXT": Array("Name a fruit.\n".utf8),
        "PICTURE.TXT": binary,
      ])
    for name in ["ONE.TXT", "TWO.TXT"] {
      _ = try stick.waitForFile(name) { ServeTests.count("--- end", in: $0) == 1 }
    }
    let status = String(decoding: try stick.read("STATUS.TXT"), as: UTF8.self)
    #expect(status.contains("PICTURE.TXT: it holds binary data"))
    #expect(try stick.read("PICTURE.TXT") == binary)
    #expect(stick.log().components(separatedBy: "ejecting the drive").count - 1 == 1)
    #expect(try stick.fileSystemProblems(allowingDirtyBit: false) == [])
    #expect(stick.host.violations == [])
  }

  @Test func writesOnlyWhenTheHostEjects() throws {
    let stick = try TestStick()
    defer { stick.finish() }
    try stick.start(refresh: "on-eject")
    let question = Array("What is two plus two?\n".utf8)
    try stick.host.write(question, to: "Q.TXT")
    try stick.waitForLog("answering Q.TXT")
    Thread.sleep(forTimeInterval: 3)
    #expect(try stick.read("Q.TXT") == question)
    let ejected = Date()
    try stick.host.eject()
    let answered = try stick.waitForFile("Q.TXT") { ServeTests.count("--- end", in: $0) == 1 }
    try stick.waitUntil("the drive is back") { (try? stick.lunFile()) == stick.image }
    print("answer readable \(ServeTests.seconds(since: ejected)) s after the host ejected")
    #expect(answered.starts(with: question))
    #expect(try stick.fileSystemProblems(allowingDirtyBit: false) == [])
    #expect(stick.host.violations == [])
  }

  @Test func aFullDriveGetsNoAnswerAndTheQuestionStaysAsItWas() throws {
    let stick = try TestStick()
    defer { stick.finish() }
    // Fill the drive so that the question takes the last cluster: an answer
    // needs one more. A cluster here is 1024 bytes.
    let listing = try requireCommand(
      "mdir", ["-i", stick.image, "::/"], environment: mtoolsEnvironment)
    let freeLine = try #require(
      listing.output.split(separator: "\n").last { $0.contains("bytes free") })
    // mdir groups the digits with spaces: "8 343 552 bytes free".
    let free = try #require(Int(freeLine.filter(\.isNumber)))
    try #require(free > 4096)
    // Written as the host, so the watch for board writes knows it.
    try stick.host.write([UInt8](repeating: 0, count: free - 1024), to: "FILLER.BIN")
    let question = Array(("Name a fruit." + String(repeating: " ", count: 1024 - 14) + "\n").utf8)
    #expect(question.count == 1024)
    try stick.host.write(question, to: "Q.TXT")
    try stick.start()
    try stick.waitForLog("Q.TXT: the drive is full")
    #expect(try stick.read("Q.TXT") == question)
    #expect(stick.isRunning)
    #expect(stick.host.violations == [])
  }

  @Test func aQuestionEditedDuringItsAnswerIsAnsweredAgainNotTwice() throws {
    let stick = try TestStick()
    defer { stick.finish() }
    try stick.start()
    let first = Array("# max_tokens = 200\nWrite a long story about a dragon.\n".utf8)
    try stick.host.write(first, to: "Q.TXT")
    try stick.waitForLog("answering Q.TXT")
    let edited = Array("# max_tokens = 8\nName a fruit.\n".utf8)
    try stick.host.write(edited, to: "Q.TXT")
    let answered = try stick.waitForFile("Q.TXT") { ServeTests.count("--- end", in: $0) == 1 }
    // The answer below is to the edited question: the first one was dropped.
    #expect(answered.starts(with: edited))
    #expect(ServeTests.count("--- answer (", in: answered) == 1)
    #expect(stick.host.violations == [])
  }

  @Test func aQuestionDeletedDuringItsAnswerLeavesNoTrace() throws {
    let stick = try TestStick()
    defer { stick.finish() }
    try stick.start()
    try stick.host.write(Array("# max_tokens = 200\nWrite a long story.\n".utf8), to: "GONE.TXT")
    try stick.waitForLog("answering GONE.TXT")
    try stick.host.delete("GONE.TXT")
    try stick.host.write(Array("Name a fruit.\n".utf8), to: "NEXT.TXT")
    _ = try stick.waitForFile("NEXT.TXT") { ServeTests.count("--- end", in: $0) == 1 }
    let listing = try requireCommand(
      "mdir", ["-i", stick.image, "-b", "::/"], environment: mtoolsEnvironment)
    #expect(!listing.output.contains("GONE.TXT"))
    #expect(try stick.fileSystemProblems(allowingDirtyBit: false) == [])
    #expect(stick.host.violations == [])
  }

  @Test func aBrokenModelOnTheDriveIsNamedAndTheBuiltInOneAnswers() throws {
    let stick = try TestStick()
    defer { stick.finish() }
    try stick.host.write(
      Array("model = BROKEN.GGUF\r\nmax_tokens = 8\r\n".utf8), to: "SETTINGS.TXT")
    try stick.host.makeDirectory("MODELS")
    try stick.host.write(Array("GGUF but not really".utf8), to: "MODELS/BROKEN.GGUF")
    try stick.start()
    try stick.host.write(Array("Name a fruit.\n".utf8), to: "Q.TXT")
    let answered = try stick.waitForFile("Q.TXT") { ServeTests.count("--- end", in: $0) == 1 }
    #expect(
      String(decoding: answered, as: UTF8.self).contains("--- answer (SmolLM2-135M-Instruct.Q4_1, ")
    )
    let status = String(decoding: try stick.read("STATUS.TXT"), as: UTF8.self)
    #expect(status.contains("MODELS/BROKEN.GGUF cannot be used"))
    #expect(stick.host.violations == [])
  }

  @Test func survivesACorruptImage() throws {
    let stick = try TestStick()
    defer { stick.finish() }
    try stick.start()
    let bootSector = try stick.host.overwrite(at: 0, with: [UInt8](repeating: 0, count: 512))
    try stick.waitForLog("cannot read the drive image")
    #expect(stick.isRunning)
    // Repaired, the drive is read again and questions are answered.
    _ = try stick.host.overwrite(at: 0, with: bootSector)
    let question = Array("Name a planet.\n".utf8)
    try stick.host.write(question, to: "Q.TXT")
    let answered = try stick.waitForFile("Q.TXT") { ServeTests.count("--- end", in: $0) == 1 }
    #expect(answered.starts(with: question))
    #expect(stick.isRunning)
    #expect(stick.host.violations == [])
  }

  /// A stop at any moment of the write-back (a crash, a power cut as far as
  /// the process goes) leaves a volume a disk check accepts, the person's
  /// text intact, and a service that answers after a restart.
  @Test(arguments: [0, 4, 9, 15])
  func killedDuringWriteBackLeavesAConsistentImage(delay: Int) throws {
    let absent = 100
    let stick = try TestStick()
    defer { stick.finish() }
    try stick.start(absent: absent)
    let question = Array("Name an animal.\n".utf8)
    try stick.host.write(question, to: "Q.TXT")
    let ejections = stick.host.ejections
    try stick.waitUntil("the drive is ejected", timeout: 60, interval: 0.001) {
      stick.host.ejections > ejections
    }
    Thread.sleep(forTimeInterval: Double(absent + delay) / 1000)
    stick.kill()
    let problems = try stick.fileSystemProblems(allowingDirtyBit: true)
    #expect(problems == [])
    let bytes = try stick.read("Q.TXT")
    #expect(bytes.starts(with: question))

    // After a restart the medium comes back and the question is answered (or
    // its answer closed).
    try stick.start(absent: absent)
    _ = try stick.waitForFile("Q.TXT") { ServeTests.count("--- end", in: $0) >= 1 }
    try stick.waitUntil("the drive is back") { (try? stick.lunFile()) == stick.image }
    #expect(try stick.fileSystemProblems(allowingDirtyBit: false) == [])
  }

  static func count(_ needle: String, in bytes: [UInt8]) -> Int {
    String(decoding: bytes, as: UTF8.self).components(separatedBy: needle).count - 1
  }

  static func decodeUTF16(_ bytes: [UInt8]) -> String {
    var units: [UInt16] = []
    var index = bytes.starts(with: [0xFF, 0xFE]) ? 2 : 0
    while index + 1 < bytes.count {
      units.append(UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8)
      index += 2
    }
    return String(decoding: units, as: UTF16.self)
  }

  static func seconds(since date: Date) -> String {
    String(format: "%.2f", Date().timeIntervalSince(date))
  }
}

/// A FAT image, a stand-in LUN directory, the host playing on them, and the
/// `aistick serve` process.
final class TestStick {
  let directory: URL
  let image: String
  let lun: String
  let host: FakeHost
  private var process: Process?
  private var logPath: String { directory.appendingPathComponent("serve.log").path }

  init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "serve-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    image = directory.appendingPathComponent("stick.img").path
    lun = directory.appendingPathComponent("lun.0").path
    try FileManager.default.createDirectory(atPath: lun, withIntermediateDirectories: true)
    try requireCommand("mkfs.fat", ["-F", "16", "-s", "2", "-n", "AISTICK", "-C", image, "8192"])
    // Short, repeatable answers keep the tests quick.
    let settings = directory.appendingPathComponent("SETTINGS.TXT")
    try Data("max_tokens = 24\r\ntemperature = 0\r\n".utf8).write(to: settings)
    try requireCommand(
      "mcopy", ["-i", image, settings.path, "::/SETTINGS.TXT"], environment: mtoolsEnvironment)
    try Data((image + "\n").utf8).write(to: URL(fileURLWithPath: lun + "/file"))
    try Data().write(to: URL(fileURLWithPath: lun + "/forced_eject"))
    host = try FakeHost(image: image, lun: lun, scratch: directory)
  }

  func start(refresh: String = "media", absent: Int = 300) throws {
    let executable = try Checkout.program()
    let process = Process()
    process.executableURL = executable
    process.arguments = [
      "serve", "--model", try Checkout.defaultModel(), "--image", image, "--lun", lun,
      "--refresh", refresh, "--absent", String(absent), "--quiet", "500",
    ]
    process.currentDirectoryURL = Checkout.root
    if !FileManager.default.fileExists(atPath: logPath) {
      FileManager.default.createFile(atPath: logPath, contents: nil)
    }
    let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
    try log.seekToEnd()
    process.standardError = log
    process.standardOutput = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    let startsBefore = self.log().components(separatedBy: "serving ").count
    try process.run()
    try log.close()
    self.process = process
    // A stop before the service listens for it could be lost: wait until it runs.
    try waitUntil("the service runs") {
      self.log().components(separatedBy: "serving ").count > startsBefore
    }
    Thread.sleep(forTimeInterval: 0.2)
  }

  var isRunning: Bool { process?.isRunning ?? false }

  func log() -> String {
    (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
  }

  /// Stops the service with SIGKILL: no cleanup at all.
  func kill() {
    guard let process else { return }
    Glibc.kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    self.process = nil
  }

  /// SIGTERM (SIGKILL if it has not stopped after 10 s), the host stops, the files go.
  func finish() {
    if let process, process.isRunning {
      process.terminate()
      let deadline = Date().addingTimeInterval(10)
      while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
      if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
      process.waitUntilExit()
    }
    process = nil
    host.stop()
    try? FileManager.default.removeItem(at: directory)
  }

  func lunFile() throws -> String {
    try String(contentsOfFile: lun + "/file", encoding: .utf8).trimmingCharacters(
      in: .whitespacesAndNewlines)
  }

  /// A file's bytes as the host reads them.
  func read(_ name: String) throws -> [UInt8] {
    try requireCommand(
      "mcopy", ["-n", "-i", image, "::/" + name, "-"], environment: mtoolsEnvironment
    )
    .outputBytes
  }

  /// Waits until the file reads as `done` wants, while the service runs.
  /// Only with the drive in, as a host reads it: while it is out the board
  /// is still writing the answers, STATUS.TXT and the dirty bit.
  func waitForFile(_ name: String, timeout: Double = 90, _ done: ([UInt8]) -> Bool) throws
    -> [UInt8]
  {
    var last: [UInt8] = []
    try waitUntil("\(name) is answered", timeout: timeout, interval: 0.05) {
      guard (try? lunFile()) == image, let bytes = try? read(name) else { return false }
      last = bytes
      return done(bytes)
    }
    return last
  }

  func waitForLog(_ text: String, timeout: Double = 60) throws {
    try waitUntil("the log says '\(text)'", timeout: timeout) { log().contains(text) }
  }

  func waitUntil(
    _ what: String, timeout: Double = 60, interval: Double = 0.05, _ condition: () -> Bool
  ) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
      guard Date() < deadline else {
        throw CommandFailure(message: "timed out waiting until \(what); log:\n\(log())")
      }
      Thread.sleep(forTimeInterval: interval)
    }
  }

  /// What `fsck.fat -n` finds, without its banner and summary (and the dirty
  /// bit note when a stop in the middle of a write may leave it).
  func fileSystemProblems(allowingDirtyBit: Bool) throws -> [String] {
    let check = try runCommand("fsck.fat", ["-n", image])
    var lines =
      check.output.split(separator: "\n").map(String.init)
      + check.errors.split(separator: "\n").map(String.init)
    lines.removeAll { line in
      line.hasPrefix("fsck.fat ") || line.hasPrefix(image + ":") || line.isEmpty
        || (allowingDirtyBit
          && (line.hasPrefix("Dirty bit is set")
            || line.contains("Automatically removing dirty bit")
            || line == "Leaving filesystem unchanged."))
    }
    if lines.isEmpty && check.status != 0 && !allowingDirtyBit {
      lines.append("fsck.fat exited \(check.status)")
    }
    return lines
  }
}

/// The host computer and the kernel's LUN, as far as the board sees them.
///
/// Every 20 ms it does what the kernel does with `forced_eject` (the medium
/// leaves: `file` becomes empty) and compares the image with what it last
/// saw. A change nobody here made is the board's; it must have happened
/// while the medium was out: then the image was last written before the
/// medium came back (its mtime is not after `file`'s).
final class FakeHost: @unchecked Sendable {
  let image: String
  let lun: String
  private let scratch: URL
  private let lock = NSLock()
  private var known: Data
  private var running = true
  private var found: [String] = []
  private var ejectCount = 0
  private var thread: Thread?

  init(image: String, lun: String, scratch: URL) throws {
    self.image = image
    self.lun = lun
    self.scratch = scratch
    known = try Data(contentsOf: URL(fileURLWithPath: image))
    let thread = Thread { [weak self] in
      while let self, self.poll() { Thread.sleep(forTimeInterval: 0.02) }
    }
    self.thread = thread
    thread.start()
  }

  var violations: [String] { lock.withLock { found } }
  var ejections: Int { lock.withLock { ejectCount } }

  func stop() { lock.withLock { running = false } }

  private func poll() -> Bool {
    lock.withLock {
      guard running else { return false }
      let forced = (try? String(contentsOfFile: lun + "/forced_eject", encoding: .utf8)) ?? ""
      if forced.trimmingCharacters(in: .whitespacesAndNewlines) == "1" {
        try? Data().write(to: URL(fileURLWithPath: lun + "/file"))
        try? Data().write(to: URL(fileURLWithPath: lun + "/forced_eject"))
        ejectCount += 1
      }
      guard let now = try? Data(contentsOf: URL(fileURLWithPath: image)), now != known else {
        return true
      }
      known = now
      if inserted, let written = modified(image), let inserted = modified(lun + "/file"),
        written > inserted
      {
        found.append("the image was written while the medium was in (ejection \(ejectCount))")
      }
      return true
    }
  }

  private var inserted: Bool {
    let file = (try? String(contentsOfFile: lun + "/file", encoding: .utf8)) ?? ""
    return !file.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
  }

  private func modified(_ path: String) -> Int64? {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    return Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
  }

  /// Does `body` as the host: only with the medium in, and seen as the host's own change.
  private func asHost(_ body: () throws -> Void) throws {
    let deadline = Date().addingTimeInterval(30)
    while true {
      lock.lock()
      if inserted { break }
      lock.unlock()
      guard Date() < deadline else {
        throw CommandFailure(message: "the medium did not come back within 30 s")
      }
      Thread.sleep(forTimeInterval: 0.02)
    }
    defer { lock.unlock() }
    try body()
    known = try Data(contentsOf: URL(fileURLWithPath: image))
  }

  /// Copies files onto the drive through mtools, which writes through the
  /// image file and so raises IN_MODIFY as the gadget does.
  func write(_ files: [String: [UInt8]]) throws {
    try asHost {
      for (name, bytes) in files.sorted(by: { $0.key < $1.key }) {
        let source = scratch.appendingPathComponent(
          "source-" + name.replacingOccurrences(of: "/", with: "-"))
        try Data(bytes).write(to: source)
        try requireCommand(
          "mcopy", ["-o", "-i", image, source.path, "::/" + name], environment: mtoolsEnvironment)
      }
    }
  }

  func write(_ bytes: [UInt8], to name: String) throws {
    try write([name: bytes])
  }

  func makeDirectory(_ name: String) throws {
    try asHost {
      try requireCommand("mmd", ["-i", image, "::/" + name], environment: mtoolsEnvironment)
    }
  }

  func delete(_ name: String) throws {
    try asHost {
      try requireCommand("mdel", ["-i", image, "::/" + name], environment: mtoolsEnvironment)
    }
  }

  /// Writes raw bytes into the image at `offset`; returns what was there.
  func overwrite(at offset: UInt64, with bytes: [UInt8]) throws -> [UInt8] {
    var old: [UInt8] = []
    try asHost {
      let handle = try FileHandle(forUpdating: URL(fileURLWithPath: image))
      defer { try? handle.close() }
      try handle.seek(toOffset: offset)
      old = Array(try handle.read(upToCount: bytes.count) ?? Data())
      try handle.seek(toOffset: offset)
      try handle.write(contentsOf: bytes)
    }
    return old
  }

  /// The person ejects the drive.
  func eject() throws {
    try asHost { try Data().write(to: URL(fileURLWithPath: lun + "/file")) }
  }
}
