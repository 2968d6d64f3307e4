import Foundation

/// What the stick is doing and what went wrong, as the person reads it in
/// STATUS.TXT: plain words, newest problems first, a bounded list.
public struct StatusBoard: Sendable {
  public enum State: Sendable, Equatable {
    case starting
    case waiting
    case answering(String)
    case writing
    case stopped(String)
  }

  public var model = ""
  public var state = State.starting
  public var queueLength = 0
  public var lastAnswer: String?
  public private(set) var problems: [(date: Date, text: String)] = []
  public static let problemLimit = 20

  public init() {}

  /// Records a problem once: the same text again only moves to the top.
  public mutating func report(_ problem: String, at date: Date = Date()) {
    problems.removeAll { $0.text == problem }
    problems.insert((date, problem), at: 0)
    if problems.count > Self.problemLimit {
      problems.removeLast(problems.count - Self.problemLimit)
    }
  }

  /// What STATUS.TXT says when an answer to `name` did not fit on the drive.
  public static func driveFull(_ name: String) -> String {
    "\(name): the drive is full, so the answer was not written; "
      + "delete some files and save the question again"
  }

  /// How every sentence about the remote engine starts, so they can be cleared together.
  public static let remoteEnginePrefix = "the remote engine "

  /// What STATUS.TXT says when the remote engine failed and `engine` answered instead.
  public static func fellBack(_ failure: EngineFailure, to engine: String) -> String {
    let takenBack = failure.afterText ? "; its partial answer was taken back" : ""
    return "\(failure)\(takenBack); \(engine) answered instead"
  }

  /// Forgets what was said about the remote engine: it answered again, or is no longer used.
  public mutating func clearRemoteEngineProblems() {
    problems.removeAll { $0.text.hasPrefix(Self.remoteEnginePrefix) }
  }

  /// Forgets problems about `name` (a file that is now fine or gone):
  /// those that start "NAME:" or "NAME line N:".
  public mutating func clearProblems(about name: String) {
    problems.removeAll { $0.text.hasPrefix(name + ":") || $0.text.hasPrefix(name + " line ") }
  }

  /// Replaces what is said about the settings file with its current problems,
  /// so a mistake fixed in SETTINGS.TXT leaves STATUS.TXT too.
  public mutating func reportSettingsProblems(_ problems: [SettingsProblem]) {
    clearProblems(about: SettingsFile.fileName)
    for problem in problems.reversed() { report(problem.description) }
  }

  /// Notes an answer for STATUS.TXT and returns the log's line for it.
  @discardableResult
  public mutating func recordAnswer(
    file: String, tokens: Int, tokensPerSecond: Double, at date: Date = Date()
  ) -> String {
    let figures = "\(tokens) tokens, \(String(format: "%.1f", tokensPerSecond)) tokens per second"
    lastAnswer = "\(file) at \(Self.formatter.string(from: date)), \(figures)"
    return "answered \(file): \(figures)"
  }

  private static let formatter: DateFormatter = {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return formatter
  }()

  /// The text of STATUS.TXT, with Windows line endings so every editor shows it.
  public func text(at date: Date = Date()) -> String {
    var lines = [
      "AISTICK STATUS", "", "Updated: \(Self.formatter.string(from: date))",
      "Model: \(model.isEmpty ? "-" : model)",
    ]
    switch state {
    case .starting: lines.append("State: starting")
    case .waiting: lines.append("State: waiting for questions")
    case .answering(let file): lines.append("State: answering \(file)")
    case .writing: lines.append("State: writing answers")
    case .stopped(let reason): lines.append("State: stopped: \(reason)")
    }
    lines.append("Questions waiting: \(queueLength)")
    lines.append("Last answer: \(lastAnswer ?? "none yet")")
    lines.append("")
    if problems.isEmpty {
      lines.append("No problems.")
    } else {
      lines.append("Problems (newest first):")
      for problem in problems {
        lines.append("- \(Self.formatter.string(from: problem.date)) \(problem.text)")
      }
    }
    return lines.joined(separator: "\r\n") + "\r\n"
  }
}
