/// Gathers settings read from a file one `name = value` at a time, and what was wrong with them.
/// Shared by SETTINGS.TXT and the options line so both read settings the same way.
struct SettingsCollector: Sendable {
  let fileName: String
  /// Whether settings for the whole stick (the engine) may be set here: in SETTINGS.TXT, not in
  /// a question's options line.
  let acceptsStickWide: Bool
  private(set) var values: [SettingValue] = []
  private(set) var problems: [SettingsProblem] = []

  init(fileName: String, acceptsStickWide: Bool) {
    self.fileName = fileName
    self.acceptsStickWide = acceptsStickWide
  }

  mutating func add(name: String, valueText: String, line: Int?) {
    guard let key = SettingKey(name: name) else {
      report(.unknownSetting(name, suggestion: SettingKey.suggestion(for: name)), line: line)
      return
    }
    guard acceptsStickWide || !key.isStickWide else {
      report(.onlyInSettingsFile(key), line: line)
      return
    }
    do {
      let value = try SettingValue(key: key, text: valueText)
      if values.contains(where: { $0.key == key }) { report(.repeated(key), line: line) }
      values.append(value)
    } catch {
      let written = Self.shortened(valueText.trimmingWhitespace())
      report(.badValue(key, value: written, expected: error.expected), line: line)
    }
  }

  mutating func report(_ kind: SettingsProblem.Kind, line: Int?) {
    problems.append(SettingsProblem(fileName: fileName, line: line, kind: kind))
  }

  /// Long text cut short so a problem stays one readable line.
  static func shortened(_ text: String) -> String {
    text.count <= 40 ? text : String(text.prefix(37)) + "..."
  }
}
