/// Something wrong in the settings file or in a prompt file's options line, said plainly so it
/// can go to STATUS.TXT as it is. The setting it concerns keeps its previous value.
public struct SettingsProblem: Sendable, Equatable, CustomStringConvertible {
  public enum Kind: Sendable, Equatable {
    /// A name that is no setting; `suggestion` is a setting with a similar name.
    case unknownSetting(String, suggestion: SettingKey?)
    /// A line with text but no "=".
    case notASetting(String)
    /// "= value" with nothing before the "=".
    case missingName
    /// A value that does not fit the setting; `expected` says what would.
    case badValue(SettingKey, value: String, expected: String)
    /// The same setting twice in one file; the later one counts.
    case repeated(SettingKey)
    /// A setting for the whole stick in a question's options line.
    case onlyInSettingsFile(SettingKey)
    /// The file's bytes are not text.
    case unreadable(PromptFileError)
    /// The file is there but could not be read; the reason comes from the system.
    case cannotRead(String)
  }

  /// The file's name as the person sees it, for example "SETTINGS.TXT".
  public var fileName: String
  /// The line, counted from 1; nil for a prompt file's options line and whole-file problems.
  public var line: Int?
  public var kind: Kind

  public init(fileName: String, line: Int?, kind: Kind) {
    self.fileName = fileName
    self.line = line
    self.kind = kind
  }

  public var description: String {
    let place = line.map { "\(fileName) line \($0)" } ?? fileName
    switch kind {
    case .unknownSetting(let name, let suggestion):
      let hint = suggestion.map { ", did you mean '\($0.rawValue)'?" } ?? ""
      return "\(place): unknown setting '\(name)' (ignored\(hint))"
    case .notASetting(let text):
      return "\(place): '\(text)' is not a setting; write name = value (ignored)"
    case .missingName:
      return "\(place): a value without a setting name before the '=' (ignored)"
    case .badValue(let key, let value, let expected):
      return "\(place): \(key.rawValue) must be \(expected), not '\(value)' (ignored)"
    case .onlyInSettingsFile(let key):
      return "\(place): \(key.rawValue) can only be set in \(SettingsFile.fileName) (ignored)"
    case .repeated(let key):
      return "\(place): \(key.rawValue) is set twice; the later value counts"
    case .unreadable(let error):
      return "\(fileName) cannot be used, \(error) (the defaults are used)"
    case .cannotRead(let reason):
      return "\(fileName) cannot be read: \(reason) (the defaults are used)"
    }
  }
}
