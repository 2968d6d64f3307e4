/// A prompt file's optional first line of settings for that file alone, for example
/// `# temperature = 0; max_tokens = 500`.
///
/// The line is taken as options only when it starts with `#` and every part between `;` is
/// `name = value` with a name of one word (letters, digits, `_`, `-`). Anything else is the
/// person's text: `# Shopping list` is a heading, and `# Why is 2+2 = 4?` a question. Names and
/// values are those of SETTINGS.TXT; a wrong one is listed as a problem and the setting keeps
/// its value from SETTINGS.TXT.
struct OptionsLine: Sendable, Equatable {
  var values: [SettingValue]
  var problems: [SettingsProblem]

  /// The options in `line` (without its line break), or nil when it is ordinary text.
  init?(_ line: Substring, fileName: String) {
    guard line.first == "#" else { return nil }
    let parts = line.dropFirst().split(separator: ";").map { $0.trimmingWhitespace() }
      .filter { !$0.isEmpty }
    var pairs: [(name: String, value: String)] = []
    for part in parts {
      guard let equals = part.firstIndex(of: "=") else { return nil }
      let name = part[..<equals].trimmingWhitespace()
      guard !name.isEmpty,
        name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
      else { return nil }
      pairs.append((name, String(part[part.index(after: equals)...])))
    }
    guard !pairs.isEmpty else { return nil }
    var collector = SettingsCollector(fileName: fileName, acceptsStickWide: false)
    for (name, valueText) in pairs { collector.add(name: name, valueText: valueText, line: nil) }
    values = collector.values
    problems = collector.problems
  }
}
