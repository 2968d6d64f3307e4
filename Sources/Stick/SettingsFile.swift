import Foundation

/// SETTINGS.TXT read: the settings, and what was wrong in it.
///
/// The file is plain `name = value` lines. Lines starting with `#` are notes, blank lines are
/// skipped, names ignore case, spaces around names and values do not matter, and an empty value
/// stands for the default. A `#` later in a line is part of the value (a system prompt may
/// mention C#). UTF-8 with or without a byte order mark, UTF-16 with one, LF or CRLF.
/// A mistake never stops the stick: the setting keeps its default and the problem is listed.
public struct SettingsFile: Sendable, Equatable {
  /// The name the file has at the drive's root.
  public static let fileName = "SETTINGS.TXT"

  public var settings: Settings
  /// Plain sentences naming the file, line, setting and what was wrong, for STATUS.TXT.
  public var problems: [SettingsProblem]

  public init(settings: Settings = .defaults, problems: [SettingsProblem] = []) {
    self.settings = settings
    self.problems = problems
  }

  /// Reads the file's bytes. `fileName` only names the file in problems.
  public init(bytes: [UInt8], fileName: String = SettingsFile.fileName) {
    let decoded: DecodedText
    do {
      decoded = try DecodedText(bytes: bytes)
    } catch {
      self.init(problems: [SettingsProblem(fileName: fileName, line: nil, kind: .unreadable(error))]
      )
      return
    }
    var collector = SettingsCollector(fileName: fileName, acceptsStickWide: true)
    // "\r\n" is one Character in Swift, so it is a separator of its own.
    let lines = decoded.text.split(omittingEmptySubsequences: false) {
      $0 == "\n" || $0 == "\r\n" || $0 == "\r"
    }
    for (index, rawLine) in lines.enumerated() {
      let lineNumber = index + 1
      let line = rawLine.trimmingWhitespace()
      if line.isEmpty || line.hasPrefix("#") { continue }
      guard let equals = line.firstIndex(of: "=") else {
        collector.report(.notASetting(SettingsCollector.shortened(line)), line: lineNumber)
        continue
      }
      let name = line[..<equals].trimmingWhitespace()
      guard !name.isEmpty else {
        collector.report(.missingName, line: lineNumber)
        continue
      }
      collector.add(
        name: name, valueText: String(line[line.index(after: equals)...]), line: lineNumber)
    }
    self.init(
      settings: Settings.defaults.applying(collector.values), problems: collector.problems)
  }

  /// Reads the settings file at `path`. A missing file means every default and no problem.
  public static func load(path: String) -> SettingsFile {
    let fileName = URL(fileURLWithPath: path).lastPathComponent
    guard FileManager.default.fileExists(atPath: path) else { return SettingsFile() }
    do {
      let data = try Data(contentsOf: URL(fileURLWithPath: path))
      return SettingsFile(bytes: [UInt8](data), fileName: fileName)
    } catch {
      return SettingsFile(problems: [
        SettingsProblem(
          fileName: fileName, line: nil, kind: .cannotRead(error.localizedDescription))
      ])
    }
  }
}
