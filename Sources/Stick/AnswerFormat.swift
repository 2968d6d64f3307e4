import Foundation

/// The marker lines around an answer in a prompt file.
///
/// An answer starts with a line that begins with `--- answer`, written as
/// `--- answer (MODEL, YYYY-MM-DD HH:MM) ---`, and ends with a line that is exactly `--- end`
/// (trailing spaces, tabs and a carriage return do not count). The markers are plain ASCII so
/// every editor shows them and a person can type them.
public enum AnswerFormat {
  public static let startPrefix = "--- answer"
  public static let endMarker = "--- end"

  /// The start marker for an answer by `model` written at `date`, as a clock on the wall in
  /// `timeZone` shows it (the person reads local time).
  public static func startMarker(model: String, date: Date, timeZone: TimeZone) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = timeZone
    let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
    func padded(_ value: Int?, _ width: Int) -> String {
      let digits = String(value ?? 0)
      return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    let stamp =
      "\(padded(parts.year, 4))-\(padded(parts.month, 2))-\(padded(parts.day, 2))"
      + " \(padded(parts.hour, 2)):\(padded(parts.minute, 2))"
    // The marker must stay one line whatever the model's name holds.
    let name = String(model.unicodeScalars.filter { !$0.properties.isWhitespace || $0 == " " })
    return "\(startPrefix) (\(name.isEmpty ? "model" : name), \(stamp)) ---"
  }

  static let startPrefixBytes = Array(startPrefix.utf8)
  static let endMarkerBytes = Array(endMarker.utf8)

  /// Whether a line (UTF-8, without its "\n") opens an answer.
  static func isStartMarker(_ line: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
    line.starts(with: startPrefixBytes)
  }

  /// Whether a line (UTF-8, without its "\n") closes an answer.
  static func isEndMarker(_ line: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
    guard line.starts(with: endMarkerBytes) else { return false }
    return line.dropFirst(endMarkerBytes.count).allSatisfy {
      $0 == 0x20 || $0 == 0x09 || $0 == 0x0D
    }
  }
}
