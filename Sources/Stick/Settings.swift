/// How the stick answers: read from SETTINGS.TXT at the drive's root, then adjusted per file by
/// the prompt file's options line.
public struct Settings: Sendable, Equatable {
  /// The model's file name in the MODELS folder. Default: the built-in model.
  public var model: String
  /// Instructions before every conversation. nil: the model's own default system prompt.
  public var systemPrompt: String?
  /// The longest answer in tokens, 1...4096. Default 256.
  public var maxTokens: Int
  /// 0 always takes the likeliest token; higher is more varied. 0...2, default 0.7.
  public var temperature: Float
  /// Nucleus sampling share, 0...1, default 0.95.
  public var topP: Float
  /// A fixed seed makes answers repeatable. nil: a new random start for every answer.
  public var seed: UInt64?
  /// The language answers are written in, as the person wrote it ("German", "Deutsch").
  /// nil: the model answers in the question's language.
  public var language: String?
  /// An OpenAI-compatible server that answers instead of the model on the board. nil: the
  /// model on the board answers.
  public var engineURL: RemoteAddress?
  /// The model asked of that server; nil: its own choice.
  public var engineModel: String?
  /// The key that server wants; nil: none.
  public var engineKey: String?
  /// Seconds the server may take to start answering. Default 60.
  public var engineTimeout = RemoteSettings.defaultTimeout
  /// Seconds a connection to it may take. Default 5.
  public var engineConnectTimeout = RemoteSettings.defaultConnectTimeout
  /// Seconds it may go quiet in the middle of an answer. Default 30.
  public var engineIdleTimeout = RemoteSettings.defaultIdleTimeout

  public init(
    model: String = "SmolLM2-135M-Instruct.Q4_1.gguf", systemPrompt: String? = nil,
    maxTokens: Int = 256, temperature: Float = 0.7, topP: Float = 0.95, seed: UInt64? = nil,
    language: String? = nil
  ) {
    self.model = model
    self.systemPrompt = systemPrompt
    self.maxTokens = maxTokens
    self.temperature = temperature
    self.topP = topP
    self.seed = seed
    self.language = language
  }

  /// Every setting at its default, as when SETTINGS.TXT is missing.
  public static let defaults = Settings()

  /// These settings with `values` set, later values over earlier ones: the settings file's
  /// settings with a prompt file's options line on top.
  public func applying(_ values: [SettingValue]) -> Settings {
    var settings = self
    for value in values { settings.set(value) }
    return settings
  }

  public mutating func set(_ value: SettingValue) {
    switch value {
    case .model(let name): model = name
    case .systemPrompt(let text): systemPrompt = text
    case .maxTokens(let count): maxTokens = count
    case .temperature(let number): temperature = number
    case .topP(let number): topP = number
    case .seed(let number): seed = number
    case .language(let name): language = name
    case .engineURL(let address): engineURL = address
    case .engineModel(let name): engineModel = name
    case .engineKey(let key): engineKey = key
    case .engineTimeout(let seconds): engineTimeout = seconds
    case .engineConnectTimeout(let seconds): engineConnectTimeout = seconds
    case .engineIdleTimeout(let seconds): engineIdleTimeout = seconds
    }
  }

  /// The remote engine these settings name; nil when the model on the board answers.
  public var remote: RemoteSettings? {
    engineURL.map {
      RemoteSettings(
        address: $0, model: engineModel, key: engineKey,
        connectTimeout: .seconds(engineConnectTimeout),
        firstPieceTimeout: .seconds(engineTimeout), idleTimeout: .seconds(engineIdleTimeout))
    }
  }

  /// The model's name without ".gguf", for the answer's start marker.
  public var modelDisplayName: String {
    model.lowercased().hasSuffix(".gguf") ? String(model.dropLast(5)) : model
  }

  /// The sentence that asks for answers in `language`, for example "Answer in German."; nil
  /// when no language is set.
  public var languageInstruction: String? {
    language.map { "Answer in \($0)." }
  }

  /// The system message to send, or nil to send none.
  ///
  /// The system prompt and the language instruction are two pieces: with `system_prompt` set,
  /// the instruction follows it. Without one, the model's own default system prompt (a chat
  /// template's `defaultSystemPrompt`, which a template writes only when the conversation has no
  /// system message) should be kept, so pass it as `modelDefault` and the instruction follows
  /// that. With neither a system prompt nor a language, nil: the template's default applies.
  public func systemMessage(modelDefault: String?) -> String? {
    guard let languageInstruction else { return systemPrompt }
    guard let base = systemPrompt ?? modelDefault, !base.isEmpty else {
      return languageInstruction
    }
    return base + "\n\n" + languageInstruction
  }
}
