import GGUF

/// What a vocabulary entry is, numbered as in `tokenizer.ggml.token_type`.
public enum TokenKind: Int32, Sendable {
  case undefined = 0
  case normal = 1
  case unknown = 2
  /// Structure markers such as `<|im_start|>`: never produced from plain
  /// text, only recognised in text when special tokens are parsed.
  case control = 3
  /// Added words: always recognised in text as one token.
  case userDefined = 4
  case unused = 5
  /// `<0xNN>`: one raw byte, for SentencePiece byte fallback.
  case byte = 6
}

/// The vocabulary as the model file states it: token texts, kinds and scores,
/// and the look-up from text to id.
struct Vocabulary: Sendable {
  let texts: [String]
  var kinds: [TokenKind]
  let scores: [Float]
  let identifiers: TokenTable

  var count: Int { texts.count }

  init(file: GGUFFile) throws(TokenizerError) {
    let tokensKey = "tokenizer.ggml.tokens"
    guard let tokensValue = file.metadata[tokensKey] else { throw .missingVocabulary }
    guard let array = tokensValue.array, array.elementType == .string else {
      throw .badMetadata(key: tokensKey, reason: "not an array of strings")
    }
    guard array.count > 0 else { throw .missingVocabulary }
    guard array.count < Int(Int32.max) else {
      throw .badMetadata(key: tokensKey, reason: "\(array.count) tokens is too many")
    }
    var texts: [String] = []
    texts.reserveCapacity(array.count)
    var identifiers = TokenTable(capacity: array.count)
    array.forEach { element in
      let index = texts.count
      var text = element.string ?? ""
      // An empty entry could never be matched; a placeholder keeps ids aligned.
      if text.isEmpty { text = "[EMPTY_\(index)]" }
      identifiers.insert(text, id: Int32(index))
      texts.append(text)
    }

    let typesKey = "tokenizer.ggml.token_type"
    var kinds = [TokenKind](repeating: .normal, count: texts.count)
    if let value = file.metadata[typesKey] {
      guard let types = value.array?.integers, types.count == texts.count else {
        throw .badMetadata(key: typesKey, reason: "not one integer per token")
      }
      for (index, type) in types.enumerated() {
        kinds[index] = TokenKind(rawValue: Int32(truncatingIfNeeded: type)) ?? .undefined
      }
    }

    let scoresKey = "tokenizer.ggml.scores"
    var scores = [Float](repeating: 0, count: texts.count)
    if let value = file.metadata[scoresKey] {
      guard let values = value.array?.floats, values.count == texts.count else {
        throw .badMetadata(key: scoresKey, reason: "not one number per token")
      }
      scores = values
    }

    self.texts = texts
    self.kinds = kinds
    self.scores = scores
    self.identifiers = identifiers
  }

  func contains(_ token: Int32) -> Bool { token >= 0 && Int(token) < texts.count }

  func kind(_ token: Int32) -> TokenKind { contains(token) ? kinds[Int(token)] : .undefined }
}
