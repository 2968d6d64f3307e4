import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A running `aistick watch` on a temporary folder, stopped at the end.
final class WatchedFolder {
  let folder: URL
  let process = Process()
  let log: URL

  /// Starts watching `root`, or a new temporary folder (removed at the end).
  init(
    root: URL? = nil, settings: String = "max_tokens = 24\ntemperature = 0\n",
    before: (URL) throws -> Void = { _ in }
  ) throws {
    folder =
      root
      ?? FileManager.default.temporaryDirectory.appendingPathComponent(
        "watch-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data(settings.utf8).write(to: folder.appendingPathComponent("SETTINGS.TXT"))
    try before(folder)
    log = FileManager.default.temporaryDirectory.appendingPathComponent(
      "watch-\(UUID().uuidString).log")
    FileManager.default.createFile(atPath: log.path, contents: nil)
    process.executableURL = try Checkout.program()
    process.arguments = ["watch", "--quiet", "300", "--threads", "2", folder.path]
    process.currentDirectoryURL = Checkout.root
    let handle = try FileHandle(forWritingTo: log)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    // Ready once it says it is watching (the watches are in place by then).
    try wait("the watcher to start", seconds: 30) { self.logText.contains("watching ") }
  }

  deinit {
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
    }
    try? FileManager.default.removeItem(at: folder)
    try? FileManager.default.removeItem(at: log)
  }

  var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

  func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

  func write(_ text: String, to name: String) throws {
    try Data(text.utf8).write(to: url(name))
  }

  func read(_ name: String) -> String {
    (try? String(contentsOf: url(name), encoding: .utf8)) ?? ""
  }

  func answers(in name: String) -> Int {
    read(name).components(separatedBy: "--- answer (").count - 1
  }

  /// Waits until `name` holds `count` complete answers.
  func waitForAnswers(_ count: Int, in name: String, seconds: Double = 60) throws {
    try wait("\(count) answer(s) in \(name)", seconds: seconds) {
      let text = self.read(name)
      return self.answers(in: name) >= count
        && (text.hasSuffix("--- end\n") || text.hasSuffix("--- end\r\n"))
    }
    #expect(answers(in: name) == count, "\(name): \(read(name))")
  }

  func wait(_ what: String, seconds: Double, until condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
      guard Date() < deadline, process.isRunning || what.contains("exit") else {
        throw CommandFailure(message: "timed out waiting for \(what); log:\n\(logText)")
      }
      usleep(100_000)
    }
  }
}

/// Folder mode with real inotify: the program runs as it would on a dev board.
@Suite(.serialized) struct WatchTests {
  @Test func answersWaitingNewNestedAndRenamedFiles() throws {
    let watched = try WatchedFolder { folder in
      try Data("What is the capital of France? Answer in one sentence.\n".utf8).write(
        to: folder.appendingPathComponent("waiting.txt"))
    }
    try watched.waitForAnswers(1, in: "waiting.txt")
    #expect(
      watched.read("waiting.txt").hasPrefix(
        "What is the capital of France? Answer in one sentence.\n\n--- answer (SmolLM2-135M-Instruct.Q4_1, "
      ))
    #expect(watched.read("waiting.txt").contains("Paris"))

    try watched.write("Name a fruit.\n", to: "new.TXT")
    try watched.waitForAnswers(1, in: "new.TXT")

    // A folder made after the start, two levels deep.
    try FileManager.default.createDirectory(
      at: watched.url("later/deeper"), withIntermediateDirectories: true)
    try watched.write("Name a colour.\n", to: "later/deeper/q.txt")
    try watched.waitForAnswers(1, in: "later/deeper/q.txt")

    // An editor that saves through a temporary file and a rename.
    try watched.write("Name an animal.\n", to: ".q.txt.swp")
    #expect(rename(watched.url(".q.txt.swp").path, watched.url("saved.txt").path) == 0)
    try watched.waitForAnswers(1, in: "saved.txt")

    // Own writes are not taken for new questions: nothing is answered twice.
    sleep(2)
    for name in ["waiting.txt", "new.TXT", "later/deeper/q.txt", "saved.txt"] {
      #expect(watched.answers(in: name) == 1, "\(name)")
    }
    let status = watched.read("STATUS.TXT")
    #expect(status.contains("Last answer: saved.txt"))
    #expect(status.contains("State: waiting for questions"))
  }

  @Test func followUpsAfterTruncateAndRewrite() throws {
    let watched = try WatchedFolder()
    try watched.write("What is the capital of France? Answer in one sentence.\n", to: "talk.txt")
    try watched.waitForAnswers(1, in: "talk.txt")
    // An editor that truncates the file and writes it all again, with a follow-up.
    let first = watched.read("talk.txt")
    let handle = try FileHandle(forWritingTo: watched.url("talk.txt"))
    try handle.truncate(atOffset: 0)
    try handle.write(contentsOf: Data((first + "\nAnd of Italy?\n").utf8))
    try handle.close()
    try watched.waitForAnswers(2, in: "talk.txt")
    #expect(watched.read("talk.txt").hasPrefix(first + "\nAnd of Italy?\n\n--- answer ("))
  }

  @Test func utf16WindowsFilesAreAnsweredInKind() throws {
    let watched = try WatchedFolder()
    var bytes: [UInt8] = [0xFF, 0xFE]
    for unit in "Wie heißt die Hauptstadt von Frankreich?\r\n".utf16 {
      bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)]
    }
    try Data(bytes).write(to: watched.url("notepad.txt"))
    try watched.wait("the UTF-16 answer", seconds: 60) {
      let data = (try? Data(contentsOf: watched.url("notepad.txt"))) ?? Data()
      let text = String(data: data, encoding: .utf16) ?? ""
      return text.hasSuffix("--- end\r\n")
    }
    let data = try Data(contentsOf: watched.url("notepad.txt"))
    #expect(Array(data.prefix(bytes.count)) == bytes)
    let text = try #require(String(data: data, encoding: .utf16))
    #expect(text.contains("\r\n--- answer ("))
    // Every line break in the answer is CRLF, like the question's.
    #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
  }

  @Test func windowsAnsiFilesAreAnsweredInKind() throws {
    let watched = try WatchedFolder()
    // "Quelle est la capitale de la France? Réponds en une phrase." in Windows-1252, CRLF.
    let question =
      Array("Quelle est la capitale de la France? R".utf8) + [0xE9]
      + Array("ponds en une phrase.\r\n".utf8)
    try Data(question).write(to: watched.url("ansi.txt"))
    try watched.wait("the Windows-1252 answer", seconds: 60) {
      let data = (try? Data(contentsOf: watched.url("ansi.txt"))) ?? Data()
      return data.count > question.count && data.suffix(9) == Data("--- end\r\n".utf8.suffix(9))
    }
    let data = try Data(contentsOf: watched.url("ansi.txt"))
    #expect(Array(data.prefix(question.count)) == question)
    let text = try #require(String(data: data, encoding: .windowsCP1252))
    // The answer is Windows-1252 too: UTF-8 accents would read as "Ã" and another.
    #expect(!text.contains("Ã"))
    #expect(text.contains("Réponds en une phrase.\r\n\r\n--- answer ("))
    #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
  }

  @Test func badFilesAreNamedAndLeftAlone() throws {
    let watched = try WatchedFolder()
    let binary: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
    try Data(binary).write(to: watched.url("picture.txt"))
    try watched.write("   \n\n", to: "empty.txt")
    try watched.wait("the binary file in STATUS.TXT", seconds: 30) {
      watched.read("STATUS.TXT").contains("picture.txt")
    }
    #expect(try Data(contentsOf: watched.url("picture.txt")) == Data(binary))
    #expect(watched.read("empty.txt") == "   \n\n")
    // The service keeps going after a bad file.
    try watched.write("Name a fruit.\n", to: "after.txt")
    try watched.waitForAnswers(1, in: "after.txt")
  }

  @Test func aFolderMovedWithinTheTreeIsStillWatched() throws {
    let watched = try WatchedFolder { folder in
      try FileManager.default.createDirectory(
        at: folder.appendingPathComponent("old"), withIntermediateDirectories: true)
    }
    #expect(rename(watched.url("old").path, watched.url("new").path) == 0)
    sleep(2)
    try watched.write("Name a fruit.\n", to: "new/q.txt")
    try watched.waitForAnswers(1, in: "new/q.txt")
  }

  @Test func aModelDroppedInModelsAnswersWhenTheSettingsNameIt() throws {
    let watched = try WatchedFolder(
      settings: "model = other.gguf\nmax_tokens = 8\ntemperature = 0\n"
    ) { folder in
      let models = folder.appendingPathComponent("MODELS")
      try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
      try FileManager.default.copyItem(
        atPath: try Checkout.defaultModel(),
        toPath: models.appendingPathComponent("other.gguf").path)
      try Data("not a model".utf8).write(to: models.appendingPathComponent("broken.gguf"))
    }
    try watched.write("Name a fruit.\n", to: "q.txt")
    try watched.waitForAnswers(1, in: "q.txt")
    #expect(watched.read("q.txt").contains("--- answer (other, "))

    // A model that cannot be opened: the built-in one answers, and STATUS.TXT says why.
    try watched.write("model = broken.gguf\nmax_tokens = 8\n", to: "SETTINGS.TXT")
    try watched.write("Name a colour.\n", to: "r.txt")
    try watched.waitForAnswers(1, in: "r.txt")
    #expect(watched.read("r.txt").contains("--- answer (SmolLM2-135M-Instruct.Q4_1, "))
    #expect(
      watched.read("STATUS.TXT").contains("MODELS/broken.gguf cannot be used: not a GGUF file"))

    // A model that is not there.
    try watched.write("model = absent.gguf\nmax_tokens = 8\n", to: "SETTINGS.TXT")
    try watched.write("Name a tree.\n", to: "s.txt")
    try watched.waitForAnswers(1, in: "s.txt")
    #expect(
      watched.read("STATUS.TXT").contains("the model absent.gguf is not in the MODELS folder"))
  }

  @Test func aHundredFilesAreAllAnsweredFirstComeFirstServed() throws {
    let watched = try WatchedFolder(
      settings: "max_tokens = 1\ntemperature = 0\nsystem_prompt = Be brief.\n")
    let names = (1...100).map { String(format: "q%03d.txt", $0) }
    for name in names { try watched.write("Say yes.\n", to: name) }
    try watched.wait("a hundred answers", seconds: 400) {
      names.allSatisfy { watched.read($0).hasSuffix("--- end\n") }
    }
    let answered = watched.logText.split(separator: "\n").compactMap { line in
      line.hasPrefix("answered ")
        ? line.dropFirst("answered ".count).split(separator: ":").first
          .map(String.init) : nil
    }
    #expect(answered == names)
  }

  @Test func aFileDeletedDuringItsAnswerIsDroppedAndTheWatchGoesOn() throws {
    let watched = try WatchedFolder(settings: "max_tokens = 400\ntemperature = 0\n")
    try watched.write("Write a long story about a dragon.\n", to: "long.txt")
    try watched.wait("the answer to start", seconds: 60) {
      watched.read("long.txt").contains("--- answer (")
    }
    try FileManager.default.removeItem(at: watched.url("long.txt"))
    try watched.wait("the answer to stop", seconds: 60) {
      watched.logText.contains("long.txt changed during the answer")
    }
    #expect(!FileManager.default.fileExists(atPath: watched.url("long.txt").path))
    try watched.write("# max_tokens = 16\nName a fruit.\n", to: "next.txt")
    try watched.waitForAnswers(1, in: "next.txt")
  }
}

/// A full drive: the answer is not written, the file stays as it was, and
/// STATUS.TXT says why. A small tmpfs stands in for a full drive, so this
/// needs root.
@Suite(.serialized) struct FullDriveTests {
  @Test(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
  func aFullFolderGetsNoAnswerAndAClearStatus() throws {
    let mountPoint = try TemporaryFolder(prefix: "full-drive")
    try requireCommand("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint.url.path])
    defer { _ = try? runCommand("umount", ["-l", mountPoint.url.path]) }
    let question = "Name a fruit.\n"
    let watched = try WatchedFolder(root: mountPoint.url) { folder in
      // Fill the drive, then free three pages: one for the question, two for
      // STATUS.TXT and its replacement. One page is less than an answer may need.
      let filler = folder.appendingPathComponent("filler.bin")
      FileManager.default.createFile(atPath: filler.path, contents: nil)
      let handle = try FileHandle(forWritingTo: filler)
      while (try? handle.write(contentsOf: Data(count: 4096))) != nil {}
      try handle.close()
      let size = try FileManager.default.attributesOfItem(atPath: filler.path)[.size] as? Int ?? 0
      #expect(truncate(filler.path, off_t(size - 3 * 4096)) == 0)
      try Data(question.utf8).write(to: folder.appendingPathComponent("q.txt"))
    }
    try watched.wait("the full drive in STATUS.TXT", seconds: 60) {
      watched.read("STATUS.TXT").contains("q.txt: the drive is full")
    }
    #expect(watched.read("q.txt") == question)
  }
}
