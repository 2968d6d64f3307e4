/// The names of the settings, as written in SETTINGS.TXT and in a prompt file's options line.
public enum SettingKey: String, Sendable, Equatable, CaseIterable {
  case model
  case systemPrompt = "system_prompt"
  case maxTokens = "max_tokens"
  case temperature
  case topP = "top_p"
  case seed
  case language
  case engineURL = "engine_url"
  case engineModel = "engine_model"
  case engineKey = "engine_key"
  case engineTimeout = "engine_timeout"
  case engineConnectTimeout = "engine_connect_timeout"
  case engineIdleTimeout = "engine_idle_timeout"

  /// Settings for the whole stick that a question file's options line may not change: the
  /// engine it talks to, and the key that engine wants, stay in SETTINGS.TXT.
  public var isStickWide: Bool { rawValue.hasPrefix("engine_") }

  /// The setting a person meant: case does not matter, and "max tokens" or "max-tokens" is
  /// "max_tokens".
  public init?(name: String) {
    let normalized = String(
      name.trimmingWhitespace().lowercased().map { $0 == " " || $0 == "-" ? "_" : $0 })
    self.init(rawValue: normalized)
  }

  /// The setting whose name is a small typing mistake away from `name`, if one is.
  static func suggestion(for name: String) -> SettingKey? {
    let typed = Array(name.lowercased())
    var best: (key: SettingKey, distance: Int)?
    for key in allCases {
      let distance = editDistance(typed, Array(key.rawValue))
      if distance <= max(1, key.rawValue.count / 3), distance < best?.distance ?? .max {
        best = (key, distance)
      }
    }
    return best?.key
  }

  /// Levenshtein distance: insertions, deletions and replacements.
  private static func editDistance(_ first: [Character], _ second: [Character]) -> Int {
    var previous = Array(0...second.count)
    for (row, a) in first.enumerated() {
      var current = [row + 1]
      for (column, b) in second.enumerated() {
        current.append(
          min(previous[column + 1] + 1, current[column] + 1, previous[column] + (a == b ? 0 : 1)))
      }
      previous = current
    }
    return previous[second.count]
  }
}

/// One setting with a value that has been checked. An empty value in a file stands for the
/// default, so the optional ones carry nil and `model` carries the built-in model.
public enum SettingValue: Sendable, Equatable {
  case model(String)
  case systemPrompt(String?)
  case maxTokens(Int)
  case temperature(Float)
  case topP(Float)
  case seed(UInt64?)
  case language(String?)
  /// The remote engine's address; nil: the model on the board answers.
  case engineURL(RemoteAddress?)
  case engineModel(String?)
  case engineKey(String?)
  /// Whole seconds.
  case engineTimeout(Int)
  case engineConnectTimeout(Int)
  case engineIdleTimeout(Int)

  public static let maxTokensRange = 1...4096
  public static let engineSecondsRange = 1...3600
  public static let temperatureRange: ClosedRange<Float> = 0...2
  public static let topPRange: ClosedRange<Float> = 0...1

  public var key: SettingKey {
    switch self {
    case .model: .model
    case .systemPrompt: .systemPrompt
    case .maxTokens: .maxTokens
    case .temperature: .temperature
    case .topP: .topP
    case .seed: .seed
    case .language: .language
    case .engineURL: .engineURL
    case .engineModel: .engineModel
    case .engineKey: .engineKey
    case .engineTimeout: .engineTimeout
    case .engineConnectTimeout: .engineConnectTimeout
    case .engineIdleTimeout: .engineIdleTimeout
    }
  }

  /// Why a value does not fit its setting: what would fit, in words.
  public struct Mismatch: Error, Sendable, Equatable {
    public var expected: String
  }

  /// The value of `key` written as `text`. Surrounding spaces and one pair of quotes are
  /// dropped; empty means the default.
  public init(key: SettingKey, text: String) throws(Mismatch) {
    let value = Self.unquoted(text.trimmingWhitespace())
    switch key {
    case .model:
      self = .model(try Self.modelFileName(value))
    case .systemPrompt:
      self = .systemPrompt(value.isEmpty ? nil : value)
    case .language:
      self = .language(value.isEmpty ? nil : value)
    case .maxTokens:
      let range = Self.maxTokensRange
      let expected = "a whole number from \(range.lowerBound) to \(range.upperBound)"
      if value.isEmpty {
        self = .maxTokens(Settings.defaults.maxTokens)
        return
      }
      guard let number = Int(value), range.contains(number) else {
        throw Mismatch(expected: expected)
      }
      self = .maxTokens(number)
    case .temperature:
      self = .temperature(
        try Self.decimal(value, in: Self.temperatureRange, default: Settings.defaults.temperature))
    case .topP:
      self = .topP(try Self.decimal(value, in: Self.topPRange, default: Settings.defaults.topP))
    case .seed:
      if value.isEmpty {
        self = .seed(nil)
        return
      }
      guard let number = UInt64(value) else {
        throw Mismatch(
          expected: "a whole number from 0 to \(UInt64.max), or nothing for a random start")
      }
      self = .seed(number)
    case .engineURL:
      if value.isEmpty {
        self = .engineURL(nil)
        return
      }
      guard let address = RemoteAddress(value) else {
        throw Mismatch(expected: "an address such as http://192.168.7.1:8080/v1 (http or https)")
      }
      self = .engineURL(address)
    case .engineModel:
      self = .engineModel(value.isEmpty ? nil : value)
    case .engineKey:
      self = .engineKey(value.isEmpty ? nil : value)
    case .engineTimeout:
      self = .engineTimeout(try Self.seconds(value, default: RemoteSettings.defaultTimeout))
    case .engineConnectTimeout:
      self = .engineConnectTimeout(
        try Self.seconds(value, default: RemoteSettings.defaultConnectTimeout))
    case .engineIdleTimeout:
      self = .engineIdleTimeout(
        try Self.seconds(value, default: RemoteSettings.defaultIdleTimeout))
    }
  }

  /// Whole seconds in `engineSecondsRange`; "60 s" and "60 seconds" are 60 too.
  private static func seconds(_ value: String, default defaultValue: Int) throws(Mismatch) -> Int {
    if value.isEmpty { return defaultValue }
    let range = engineSecondsRange
    var digits = Substring(value)
    for unit in ["seconds", "second", "secs", "sec", "s"] where digits.lowercased().hasSuffix(unit)
    {
      digits = digits.dropLast(unit.count)
      break
    }
    guard let number = Int(digits.trimmingWhitespace()), range.contains(number) else {
      throw Mismatch(
        expected: "a whole number of seconds from \(range.lowerBound) to \(range.upperBound)")
    }
    return number
  }

  /// A number with a decimal point or, as many countries write it, a decimal comma.
  private static func decimal(
    _ value: String, in range: ClosedRange<Float>, default defaultValue: Float
  ) throws(Mismatch) -> Float {
    if value.isEmpty { return defaultValue }
    let expected = "a number from \(format(range.lowerBound)) to \(format(range.upperBound))"
    var written = value
    if !written.contains("."), written.filter({ $0 == "," }).count == 1 {
      written = written.replacingAll(",", with: ".")
    }
    // Only digits, one point and a sign: Float("nan"), "inf" or hexadecimal are not settings.
    guard
      written.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+") }),
      let number = Float(written), number.isFinite, range.contains(number)
    else { throw Mismatch(expected: expected) }
    return number
  }

  private static func format(_ number: Float) -> String {
    number == number.rounded() ? String(Int(number)) : String(number)
  }

  /// The model is named by its file name in the MODELS folder; "MODELS/x.gguf" is taken as "x.gguf",
  /// any other path is refused so a setting cannot point outside that folder.
  private static func modelFileName(_ value: String) throws(Mismatch) -> String {
    if value.isEmpty { return Settings.defaults.model }
    var name = Substring(value)
    for prefix in ["models/", "models\\", "/models/", "\\models\\"]
    where name.lowercased().hasPrefix(prefix) {
      name = name.dropFirst(prefix.count)
      break
    }
    guard !name.isEmpty, !name.contains("/"), !name.contains("\\"), !name.hasPrefix(".") else {
      throw Mismatch(expected: "the name of a .gguf file in the MODELS folder")
    }
    return String(name)
  }

  /// Drops one pair of matching quotes around the whole value (straight or typographic, as text
  /// editors turn them).
  private static func unquoted(_ value: String) -> String {
    let pairs: [(Character, Character)] = [("\"", "\""), ("'", "'"), ("\u{201C}", "\u{201D}")]
    for (open, close) in pairs where value.count >= 2 && value.first == open && value.last == close
    {
      return String(value.dropFirst().dropLast()).trimmingWhitespace()
    }
    return value
  }
}
