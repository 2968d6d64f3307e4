/// The models the stick answers with: the built-in one, and a `.gguf` the
/// person dropped in the drive's MODELS folder and named in SETTINGS.TXT.
/// One dropped model is kept loaded at a time; a board has little memory.
/// It also holds the remote engine SETTINGS.TXT names, with the model to fall back on.
public final class ModelShelf {
  public static let folderName = PromptFileFilter.modelsFolder

  public let builtIn: any AnswerEngine
  private let builtInFileName: String
  private let load: (String) throws -> any AnswerEngine
  private var current: (key: String, engine: any AnswerEngine)?
  private let openRemote: ((RemoteSettings) -> any AnswerEngine)?
  /// The remote engine in use, kept while its settings stay the same (it keeps connections).
  private var remote: (settings: RemoteSettings, engine: any AnswerEngine)?
  /// The remote engine named on the command line, for when SETTINGS.TXT names none.
  public var defaultRemote: RemoteSettings?

  /// `load` opens a model file at a path as an engine; `openRemote` makes an engine that asks
  /// an OpenAI-compatible server (without it, remote settings are reported and ignored).
  public init(
    builtIn: any AnswerEngine, builtInFileName: String,
    load: @escaping (String) throws -> any AnswerEngine,
    openRemote: ((RemoteSettings) -> any AnswerEngine)? = nil
  ) {
    self.builtIn = builtIn
    self.builtInFileName = builtInFileName
    self.load = load
    self.openRemote = openRemote
  }

  /// The engine for `settings`: the remote engine they name, with the model they name (or the
  /// built-in one) to fall back on; else that model.
  public func choice(for settings: Settings, locate: (String) -> Located?) -> EngineChoice {
    let (local, problem) = engine(named: settings.model, locate: locate)
    guard let wanted = remoteSettings(settings) else {
      remote = nil
      return EngineChoice(engine: local, problem: problem)
    }
    guard let openRemote else {
      return EngineChoice(
        engine: local,
        problem: "\(SettingsFile.fileName): this program cannot use a remote engine; "
          + "the model on the board answers")
    }
    let engine: any AnswerEngine
    if let remote, remote.settings == wanted {
      engine = remote.engine
    } else {
      remote = nil  // the old one's connections close first
      engine = openRemote(wanted)
      remote = (wanted, engine)
    }
    return EngineChoice(engine: engine, fallback: local, problem: problem)
  }

  /// The settings' remote engine, or the command line's with the settings' timeouts.
  private func remoteSettings(_ settings: Settings) -> RemoteSettings? {
    if let named = settings.remote { return named }
    guard var remote = defaultRemote else { return nil }
    remote.model = settings.engineModel ?? remote.model
    remote.key = settings.engineKey ?? remote.key
    remote.connectTimeout = .seconds(settings.engineConnectTimeout)
    remote.firstPieceTimeout = .seconds(settings.engineTimeout)
    remote.idleTimeout = .seconds(settings.engineIdleTimeout)
    return remote
  }

  /// A model file found on the drive: where it can be opened, and a key
  /// that changes when the file does.
  public struct Located {
    public let path: String
    public let key: String
    public init(path: String, key: String) {
      self.path = path
      self.key = key
    }
  }

  /// The engine for the model the settings name, and a problem to show when
  /// the built-in model answers instead of the one asked for.
  public func engine(
    named name: String, locate: (String) -> Located?
  ) -> (engine: any AnswerEngine, problem: String?) {
    if name.isEmpty || name.lowercased() == builtInFileName.lowercased() {
      return (builtIn, nil)
    }
    let located = locate(name)
    // The settings' default name means "the model the stick came with".
    if located == nil, name == Settings.defaults.model { return (builtIn, nil) }
    guard let located else {
      return (
        builtIn,
        "\(SettingsFile.fileName): the model \(name) is not in the \(Self.folderName) folder; "
          + "the built-in model answers"
      )
    }
    if let current, current.key == located.key { return (current.engine, nil) }
    current = nil  // let the old one go before the new one is mapped
    do {
      let engine = try load(located.path)
      current = (located.key, engine)
      return (engine, nil)
    } catch {
      return (
        builtIn,
        "\(Self.folderName)/\(name) cannot be used: \(error); the built-in model answers"
      )
    }
  }
}
