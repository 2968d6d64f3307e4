/// Cuts an answer at the first of the client's stop sequences. Text that
/// may be the beginning of one is held back until the next pieces tell, so
/// no part of a stop sequence is ever sent. Works on Unicode scalars, so a
/// stop of "\n" also ends at the newline in "\r\n".
struct StopSequenceFilter {
  private let sequences: [[Unicode.Scalar]]
  private var held: [Unicode.Scalar] = []
  /// A stop sequence came: nothing more is let through.
  private(set) var stopped = false

  init(_ sequences: [String]) {
    self.sequences = sequences.map { Array($0.unicodeScalars) }.filter { !$0.isEmpty }
  }

  /// Takes a piece of the answer; returns the text that is certainly before
  /// any stop sequence.
  mutating func take(_ piece: String) -> String {
    guard !stopped else { return "" }
    guard !sequences.isEmpty else { return piece }
    held.append(contentsOf: piece.unicodeScalars)
    if let start = firstMatch() {
      stopped = true
      defer { held.removeAll() }
      return Self.text(held[..<start])
    }
    let keep = longestPartialMatch()
    defer { held.removeFirst(held.count - keep) }
    return Self.text(held[..<(held.count - keep)])
  }

  /// The text held back when the answer ends without a stop sequence.
  mutating func finish() -> String {
    defer { held.removeAll() }
    return stopped ? "" : Self.text(held[...])
  }

  /// Where the earliest stop sequence starts in the held text.
  private func firstMatch() -> Int? {
    var best: Int?
    for sequence in sequences where sequence.count <= held.count {
      for start in 0...(held.count - sequence.count) where start < (best ?? Int.max) {
        if held[start..<(start + sequence.count)].elementsEqual(sequence) {
          best = start
          break
        }
      }
    }
    return best
  }

  /// The longest end of the held text that begins some stop sequence.
  private func longestPartialMatch() -> Int {
    var longest = 0
    for sequence in sequences {
      for length in stride(from: min(sequence.count - 1, held.count), to: longest, by: -1)
      where held.suffix(length).elementsEqual(sequence.prefix(length)) {
        longest = length
        break
      }
    }
    return longest
  }

  private static func text(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
    var view = String.UnicodeScalarView()
    view.append(contentsOf: scalars)
    return String(view)
  }
}
