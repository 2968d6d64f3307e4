/// One splitting pass of a pre-tokenizer. A pass cuts every piece left by
/// the passes before it; for a regex pass both the matches and the text
/// between them become pieces. Each is a hand-written matcher with the
/// leftmost-first semantics of the regex named in its comment.
enum SplitRule: Sendable {
  /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
  case gpt2
  /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,N}|
  /// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`, with N = `maximumDigits`.
  case llama3(maximumDigits: Int)
  /// `X`: every scalar in the set is a piece of its own.
  case each(ScalarSet)
  /// `X+`
  case runs(ScalarSet)
  /// `P?X+`: a run with at most one leading scalar from `prefix`.
  case prefixedRuns(prefix: ScalarSet, body: ScalarSet)
  /// `[0-9][0-9][0-9]`
  case asciiDigitTriples
}

/// The character classes the regex passes use.
enum ScalarSet: Sendable {
  /// `\p{N}`
  case number
  /// `\p{L}`
  case letter
  /// `\s`
  case whitespace
  /// `\p{P}`
  case punctuation
  /// a literal space
  case space
  /// `[\r\n]`
  case lineBreak
  /// `[\p{P}\$\+<=>\^~\|]`
  case punctuationAndOperators
  /// `[\p{P}\$\+<=>\^~\|`]`
  case punctuationOperatorsAndBacktick
  /// `[一-龥ࠀ-一가-퟿]`: CJK ideographs, Hangul and the blocks between.
  case ideographs
  /// `[^(\s|.,!?…。，、।۔،)]`
  case notSentencePunctuation
  /// `[0-9]`
  case asciiDigit

  func contains(_ scalar: Unicode.Scalar, _ scalarClass: ScalarClass) -> Bool {
    switch self {
    case .number: return scalarClass.contains(.number)
    case .letter: return scalarClass.contains(.letter)
    case .whitespace: return scalarClass.contains(.whitespace)
    case .punctuation: return scalarClass.contains(.punctuation)
    case .space: return scalar == " "
    case .lineBreak: return scalar == "\r" || scalar == "\n"
    case .punctuationAndOperators:
      return scalarClass.contains(.punctuation) || "$+<=>^~|".unicodeScalars.contains(scalar)
    case .punctuationOperatorsAndBacktick:
      return scalarClass.contains(.punctuation) || "$+<=>^~|`".unicodeScalars.contains(scalar)
    case .ideographs:
      let value = scalar.value
      return (0x4E00...0x9FA5).contains(value) || (0x0800...0x4E00).contains(value)
        || (0xAC00...0xD7FF).contains(value)
    case .notSentencePunctuation:
      return !scalarClass.contains(.whitespace)
        && !"(|).,!?…。，、।۔،".unicodeScalars.contains(scalar)
    case .asciiDigit: return ("0"..."9").contains(scalar)
    }
  }
}
