/// The models the stick answers with: the built-in one, and a `.gguf` the
/// person dropped in the drive's MODELS folder and named in SETTINGS.TXT.
/// One dropped model is kept loaded at a time; a board has little memory.
public final class ModelShelf {
  public static let folderName = PromptFileFilter.modelsFolder

  public let builtIn: any AnswerEngine
  private let builtInFileName: String
  private let load: (String) throws -> any AnswerEngine
  private var current: (key: String, engine: any AnswerEngine)?

  /// `load` opens a model file at a path as an engine.
  public init(
    builtIn: any AnswerEngine, builtInFileName: String,
    load: @escaping (String) throws -> any AnswerEngine
  ) {
    self.builtIn = builtIn
    self.builtInFileName = builtInFileName
    self.load = load
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
