/// Splits text into the pieces that byte-level BPE encodes one by one, by the
/// rules a model names in `tokenizer.ggml.pre`. Merges never cross a piece
/// boundary, so the splitting must match the model's training exactly.
public struct PreTokenizer: Sendable {
  /// The rule family in use (a canonical name such as `gpt2` or `llama3`).
  public let family: String
  /// Set when the model's name was not recognised or missing, saying which
  /// rules are used instead.
  public let warning: String?
  let rules: [SplitRule]

  /// The rules named `name` (the value of `tokenizer.ggml.pre`). A missing
  /// name gets the `default` rules; an unknown one the GPT-2 rules, with a
  /// warning either way, so an unusual model still runs.
  public init(named name: String?) {
    guard let name, !name.isEmpty else {
      self.init(
        family: "default",
        warning: "the model does not name its pre-tokenizer; "
          + "using the default splitting rules, so answers may be worse than they should be")
      return
    }
    if let family = Self.families[name] {
      self.init(family: family, warning: nil)
    } else {
      self.init(
        family: "gpt2",
        warning: "the model's pre-tokenizer '\(name)' is not known; "
          + "using the GPT-2 splitting rules, so answers may be worse than they should be")
    }
  }

  private init(family: String, warning: String?) {
    self.family = family
    self.warning = warning
    self.rules = Self.rules(of: family)
  }

  /// Model names (as written by converters) to rule families.
  private static let families: [String: String] = {
    var table: [String: String] = [:]
    let groups: [(String, [String])] = [
      ("default", ["default"]),
      (
        "llama3",
        ["llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe", "chatglm-bpe"]
      ),
      ("qwen2", ["qwen2", "deepseek-r1-qwen", "stablelm2", "megrez"]),
      ("deepseek-coder", ["deepseek-coder"]),
      ("falcon", ["falcon"]),
      (
        "smollm",
        [
          "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b",
        ]
      ),
      (
        "gpt2",
        [
          "gpt2", "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es",
          "jina-v2-de", "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais",
        ]
      ),
      ("bloom", ["bloom", "poro-chat", "gpt3-finnish"]),
      ("viking", ["viking"]),
    ]
    for (family, names) in groups {
      for name in names { table[name] = family }
    }
    return table
  }()

  private static func rules(of family: String) -> [SplitRule] {
    switch family {
    case "llama3": [.llama3(maximumDigits: 3)]
    case "qwen2": [.llama3(maximumDigits: 1)]
    case "deepseek-coder":
      [
        .each(.lineBreak), .prefixedRuns(prefix: .whitespace, body: .letter),
        .prefixedRuns(prefix: .whitespace, body: .punctuation), .runs(.ideographs), .each(.number),
      ]
    case "falcon": [.runs(.punctuationOperatorsAndBacktick), .gpt2, .asciiDigitTriples]
    case "smollm": [.each(.number), .gpt2]
    case "gpt2": [.gpt2]
    case "bloom": [.prefixedRuns(prefix: .space, body: .notSentencePunctuation)]
    case "viking": [.prefixedRuns(prefix: .space, body: .notSentencePunctuation), .each(.number)]
    default: [.runs(.punctuationAndOperators), .gpt2, .runs(.number), .asciiDigitTriples]
    }
  }

  /// The pieces of `text`, in order; joined they give `text` back.
  public func split(_ text: String) -> [String] {
    let scalars = Array(text.unicodeScalars)
    return split(scalars).map { range in
      var piece = String.UnicodeScalarView()
      piece.append(contentsOf: scalars[range])
      return String(piece)
    }
  }

  /// The pieces of `scalars` as index ranges, in order, covering every scalar.
  func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
    guard !scalars.isEmpty else { return [] }
    let classes = scalars.map(ScalarClass.init)
    var pieces = [0..<scalars.count]
    var next: [Range<Int>] = []
    for rule in rules {
      next.removeAll(keepingCapacity: true)
      next.reserveCapacity(pieces.count * 2)
      let matcher = Matcher(scalars: scalars, classes: classes)
      for piece in pieces { matcher.split(piece, by: rule, into: &next) }
      swap(&pieces, &next)
    }
    return pieces
  }
}

/// Runs one rule over one piece, appending the resulting pieces.
private struct Matcher {
  let scalars: [Unicode.Scalar]
  let classes: [ScalarClass]

  func split(_ piece: Range<Int>, by rule: SplitRule, into output: inout [Range<Int>]) {
    switch rule {
    case .gpt2: splitGPT2(piece, into: &output)
    case .llama3(let maximumDigits):
      splitLlama3(piece, maximumDigits: maximumDigits, into: &output)
    case .each(let set):
      splitMatches(piece, into: &output) { position in
        set.contains(at: position, self) ? position + 1 : nil
      }
    case .runs(let set):
      splitMatches(piece, into: &output) { position in
        self.run(of: set, from: position, end: piece.upperBound)
      }
    case .prefixedRuns(let prefix, let body):
      splitMatches(piece, into: &output) { position in
        if prefix.contains(at: position, self), position + 1 < piece.upperBound,
          body.contains(at: position + 1, self)
        {
          return self.run(of: body, from: position + 1, end: piece.upperBound)
        }
        return self.run(of: body, from: position, end: piece.upperBound)
      }
    case .asciiDigitTriples:
      splitMatches(piece, into: &output) { position in
        guard position + 3 <= piece.upperBound else { return nil }
        for index in position..<position + 3
        where !ScalarSet.asciiDigit.contains(at: index, self) {
          return nil
        }
        return position + 3
      }
    }
  }

  /// The end of a non-empty run of `set` starting at `position`, or nil.
  private func run(of set: ScalarSet, from position: Int, end: Int) -> Int? {
    var index = position
    while index < end, set.contains(at: index, self) { index += 1 }
    return index > position ? index : nil
  }

  /// Regex-search splitting: `match(position)` gives the end of a match
  /// starting there, or nil. Matches and the gaps between them are pieces.
  private func splitMatches(
    _ piece: Range<Int>, into output: inout [Range<Int>], match: (Int) -> Int?
  ) {
    var gapStart = piece.lowerBound
    var position = piece.lowerBound
    while position < piece.upperBound {
      if let end = match(position), end > position {
        if gapStart < position { output.append(gapStart..<position) }
        output.append(position..<end)
        position = end
        gapStart = end
      } else {
        position += 1
      }
    }
    if gapStart < piece.upperBound { output.append(gapStart..<piece.upperBound) }
  }

  /// The class at `index`, or nil past the end of the piece: the matchers
  /// treat the piece as the whole text.
  private func scalarClass(_ index: Int, _ end: Int) -> ScalarClass? {
    index < end ? classes[index] : nil
  }

  private func isContraction(at position: Int, end: Int, ignoringCase: Bool) -> Int? {
    guard scalars[position] == "'", position + 1 < end else { return nil }
    func letter(_ index: Int) -> Unicode.Scalar {
      let scalar = scalars[index]
      guard ignoringCase else { return scalar }
      return scalar.properties.lowercaseMapping.unicodeScalars.count == 1
        ? scalar.properties.lowercaseMapping.unicodeScalars.first ?? scalar : scalar
    }
    let first = letter(position + 1)
    if first == "s" || first == "t" || first == "m" || first == "d" { return position + 2 }
    guard position + 2 < end else { return nil }
    let second = letter(position + 2)
    if (first == "r" && second == "e") || (first == "v" && second == "e")
      || (first == "l" && second == "l")
    {
      return position + 3
    }
    return nil
  }

  /// Whitespace at the end of a run is left for the next piece when
  /// something follows (`\s+(?!\S)`), so a word keeps its leading space.
  private func whitespaceEnd(from position: Int, end: Int) -> Int {
    var index = position
    while index < end, classes[index].contains(.whitespace) { index += 1 }
    let count = index - position
    if count > 1, index < end { return index - 1 }
    return count > 0 ? index : position + 1
  }

  private func splitGPT2(_ piece: Range<Int>, into output: inout [Range<Int>]) {
    let end = piece.upperBound
    var position = piece.lowerBound
    while position < end {
      if let contractionEnd = isContraction(at: position, end: end, ignoringCase: false) {
        output.append(position..<contractionEnd)
        position = contractionEnd
        continue
      }
      let leadingSpace = scalars[position] == " " ? 1 : 0
      let first = leadingSpace == 1 ? scalarClass(position + 1, end) : classes[position]
      var matchEnd: Int
      if let first, first.contains(.letter) || first.contains(.number) {
        // ` ?\p{L}+` or ` ?\p{N}+`
        let kind: ScalarClass = first.contains(.letter) ? .letter : .number
        matchEnd = position + leadingSpace
        while matchEnd < end, classes[matchEnd].contains(kind) { matchEnd += 1 }
      } else if let first, first.isDisjoint(with: [.whitespace, .letter, .number]) {
        // ` ?[^\s\p{L}\p{N}]+`
        matchEnd = position + leadingSpace
        while matchEnd < end, classes[matchEnd].isDisjoint(with: [.whitespace, .letter, .number]) {
          matchEnd += 1
        }
      } else {
        matchEnd = whitespaceEnd(from: position, end: end)
      }
      output.append(position..<matchEnd)
      position = matchEnd
    }
  }

  private func splitLlama3(
    _ piece: Range<Int>, maximumDigits: Int, into output: inout [Range<Int>]
  ) {
    let end = piece.upperBound
    var position = piece.lowerBound
    while position < end {
      if let contractionEnd = isContraction(at: position, end: end, ignoringCase: true) {
        output.append(position..<contractionEnd)
        position = contractionEnd
        continue
      }
      let scalar = scalars[position]
      let current = classes[position]
      let isLineBreak = scalar == "\r" || scalar == "\n"
      // `[^\r\n\p{L}\p{N}]?\p{L}+`
      if !isLineBreak, !current.contains(.number),
        current.contains(.letter) || scalarClass(position + 1, end)?.contains(.letter) == true
      {
        var matchEnd = position + 1
        while matchEnd < end, classes[matchEnd].contains(.letter) { matchEnd += 1 }
        output.append(position..<matchEnd)
        position = matchEnd
        continue
      }
      // `\p{N}{1,N}`: a long number becomes groups of N from the left.
      if current.contains(.number) {
        var matchEnd = position
        while matchEnd < end, matchEnd - position < maximumDigits,
          classes[matchEnd].contains(.number)
        {
          matchEnd += 1
        }
        output.append(position..<matchEnd)
        position = matchEnd
        continue
      }
      // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
      let leadingSpace = scalar == " " ? 1 : 0
      let first = leadingSpace == 1 ? scalarClass(position + 1, end) : current
      if first.map({ $0.isDisjoint(with: [.whitespace, .letter, .number]) }) ?? true {
        var matchEnd = position + leadingSpace
        while matchEnd < end, classes[matchEnd].isDisjoint(with: [.whitespace, .letter, .number]) {
          matchEnd += 1
        }
        while matchEnd < end, scalars[matchEnd] == "\r" || scalars[matchEnd] == "\n" {
          matchEnd += 1
        }
        output.append(position..<matchEnd)
        position = matchEnd
        continue
      }
      // `\s*[\r\n]+`: whitespace up to and including its last line break.
      var index = position
      var lastLineBreakEnd: Int?
      while index < end, classes[index].contains(.whitespace) {
        if scalars[index] == "\r" || scalars[index] == "\n" { lastLineBreakEnd = index + 1 }
        index += 1
      }
      let matchEnd = lastLineBreakEnd ?? whitespaceEnd(from: position, end: end)
      output.append(position..<matchEnd)
      position = matchEnd
    }
  }
}

extension ScalarSet {
  fileprivate func contains(at index: Int, _ matcher: Matcher) -> Bool {
    contains(matcher.scalars[index], matcher.classes[index])
  }
}
