import Foundation

/// Where the default model is found when none is named.
public enum ModelLocation {
  public static let defaultFileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

  /// The places looked at, in order: `$AISTICK_MODEL`, `models/` in the
  /// working directory, `models/` beside the package the program was built
  /// in (a development checkout), and the system-wide install folders.
  public static func candidates(executable: String = CommandLine.arguments.first ?? "") -> [String]
  {
    var paths: [String] = []
    if let path = ProcessInfo.processInfo.environment["AISTICK_MODEL"], !path.isEmpty {
      paths.append(path)
    }
    paths.append("models/" + defaultFileName)
    // .build/<configuration>/aistick -> the checkout's models/
    let executableURL = URL(fileURLWithPath: executable).resolvingSymlinksInPath()
    let checkout = executableURL.deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    paths.append(checkout.appendingPathComponent("models/" + defaultFileName).path)
    paths.append("/usr/local/share/aistick/models/" + defaultFileName)
    paths.append("/usr/share/aistick/models/" + defaultFileName)
    return paths
  }

  /// The first candidate that exists, or nil.
  public static func defaultModel() -> String? {
    candidates().first { FileManager.default.fileExists(atPath: $0) }
  }
}
