/// An integer field. A number with a fraction, or too large for 64 bits, is
/// reported against its field as not an integer (the decoder alone would
/// call the whole body invalid).
struct WholeNumber: Decodable, DescribedJSONType {
  var value: Int64

  static let jsonDescription = "an integer"

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let value = try? container.decode(Int64.self) {
      self.value = value
    } else if let number = try? container.decode(Double.self), number == number.rounded(),
      let value = Int64(exactly: number)
    {
      self.value = value
    } else {
      throw DecodingError.typeMismatch(
        WholeNumber.self, .init(codingPath: decoder.codingPath, debugDescription: ""))
    }
  }

  /// The value as an `Int`, saturated (counts this large are refused anyway).
  var int: Int { Int(clamping: value) }
}
