/// The Unicode classes the splitting rules test (`\p{L}`, `\p{N}`, `\s`...),
/// looked up once per scalar of the input.
struct ScalarClass: OptionSet, Sendable {
  let rawValue: UInt8

  static let letter = ScalarClass(rawValue: 1 << 0)
  static let number = ScalarClass(rawValue: 1 << 1)
  static let whitespace = ScalarClass(rawValue: 1 << 2)
  static let punctuation = ScalarClass(rawValue: 1 << 3)
  static let symbol = ScalarClass(rawValue: 1 << 4)
  static let mark = ScalarClass(rawValue: 1 << 5)

  /// ASCII is by far the most common input; a table spares the property look-up.
  private static let asciiTable: [ScalarClass] = (0..<128).map { value in
    compute(Unicode.Scalar(UInt8(value)))
  }

  init(rawValue: UInt8) { self.rawValue = rawValue }

  init(_ scalar: Unicode.Scalar) {
    self = scalar.value < 128 ? Self.asciiTable[Int(scalar.value)] : Self.compute(scalar)
  }

  private static func compute(_ scalar: Unicode.Scalar) -> ScalarClass {
    let properties = scalar.properties
    var result: ScalarClass = properties.isWhitespace ? .whitespace : []
    switch properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
      result.insert(.letter)
    case .decimalNumber, .letterNumber, .otherNumber:
      result.insert(.number)
    case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
      .initialPunctuation, .finalPunctuation, .otherPunctuation:
      result.insert(.punctuation)
    case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
      result.insert(.symbol)
    case .nonspacingMark, .spacingMark, .enclosingMark:
      result.insert(.mark)
    default:
      break
    }
    return result
  }
}
