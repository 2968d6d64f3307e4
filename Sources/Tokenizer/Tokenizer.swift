import GGUF

/// Turns text into token ids and back, by the vocabulary and rules stored in
/// a GGUF model file. Built once per model; safe to share between threads.
///
/// Encoding a chat prompt: render it with `ChatTemplate`, then
/// `encode(text, parseSpecial: true, addSpecial: template.needsBeginningOfSequence)`,
/// so the beginning-of-sequence token is added only when the template did
/// not write it.
public final class Tokenizer: Sendable {
  /// The tokenizer algorithm, named as in `tokenizer.ggml.model`.
  public enum Model: String, Sendable {
    /// Byte-level BPE (GPT-2, Llama 3, Qwen, SmolLM...).
    case bytePair = "gpt2"
    /// SentencePiece with scores and byte fallback (Llama 2, Mistral, Gemma...).
    case sentencePiece = "llama"
  }

  public let model: Model
  /// The splitting rules of a byte-level BPE model; nil for SentencePiece.
  public let preTokenizer: PreTokenizer?
  public let beginningOfSequence: Int32?
  public let endOfSequence: Int32?
  public let unknown: Int32?
  public let padding: Int32?
  /// Whether `encode(_:addSpecial: true)` starts with `beginningOfSequence`.
  public let addsBeginningOfSequence: Bool
  /// Whether `encode(_:addSpecial: true)` ends with `endOfSequence`.
  public let addsEndOfSequence: Bool
  /// Whether SentencePiece text gets a leading space (as "▁") before encoding.
  public let addsSpacePrefix: Bool
  /// Tokens that end a reply: end of sequence, of turn, of message, and the
  /// tokens named like `<|im_end|>`, `<|eot_id|>`, `<|endoftext|>`,
  /// `<end_of_turn>`, `<|end|>` (the same set llama.cpp stops on).
  public let endOfGeneration: Set<Int32>

  let vocabulary: Vocabulary
  let bytePairEncoder: BytePairEncoder?
  let sentencePieceEncoder: SentencePieceEncoder?
  let pieces: TokenPieces
  /// Tokens recognised inside text, longest first, with their bytes.
  let specialTokens: [(token: Int32, bytes: [UInt8])]
  /// Special tokens that swallow the whitespace after them (Phi-3).
  let stripsFollowingSpace: Set<Int32>

  public var vocabularySize: Int { vocabulary.count }

  /// Something the person running the model should know (a pre-tokenizer
  /// that is not known, so a fallback is in use), or nil.
  public var warning: String? { preTokenizer?.warning }

  public init(file: GGUFFile) throws(TokenizerError) {
    let modelKey = "tokenizer.ggml.model"
    guard let modelName = file.metadata[modelKey]?.string else {
      throw file.metadata[modelKey] == nil
        ? .badMetadata(key: modelKey, reason: "missing")
        : .badMetadata(key: modelKey, reason: "not a string")
    }
    guard let model = Model(rawValue: modelName) else { throw .unsupportedModel(modelName) }
    self.model = model
    var vocabulary = try Vocabulary(file: file)

    func token(_ key: String) throws(TokenizerError) -> Int32? {
      guard let value = file.metadata[key] else { return nil }
      guard let number = value.integer else {
        throw .badMetadata(key: key, reason: "not an integer")
      }
      // An id outside the vocabulary is ignored, as llama.cpp does.
      return number >= 0 && number < vocabulary.count ? Int32(number) : nil
    }
    func flag(_ key: String) throws(TokenizerError) -> Bool? {
      guard let value = file.metadata[key] else { return nil }
      guard let flag = value.bool else { throw .badMetadata(key: key, reason: "not a bool") }
      return flag
    }
    func orDefault(_ token: Int32) -> Int32? { vocabulary.contains(token) ? token : nil }

    let preName = file.metadata["tokenizer.ggml.pre"]?.string
    switch model {
    case .bytePair:
      let preTokenizer = PreTokenizer(named: preName)
      self.preTokenizer = preTokenizer
      let mergesKey = "tokenizer.ggml.merges"
      guard let mergesValue = file.metadata[mergesKey] else { throw .missingMerges }
      guard let merges = mergesValue.array?.strings else {
        throw .badMetadata(key: mergesKey, reason: "not an array of strings")
      }
      // Llama 3 vocabularies hold whole words that their merges cannot build.
      bytePairEncoder = try BytePairEncoder(
        vocabulary: vocabulary, merges: merges, ignoresMerges: preTokenizer.family == "llama3")
      beginningOfSequence = try token("tokenizer.ggml.bos_token_id")
      endOfSequence = try token("tokenizer.ggml.eos_token_id")
      unknown = try token("tokenizer.ggml.unknown_token_id")
      addsBeginningOfSequence =
        try flag("tokenizer.ggml.add_bos_token") ?? (preTokenizer.family == "llama3")
      addsSpacePrefix = try flag("tokenizer.ggml.add_space_prefix") ?? false
    case .sentencePiece:
      preTokenizer = nil
      beginningOfSequence = try token("tokenizer.ggml.bos_token_id") ?? orDefault(1)
      endOfSequence = try token("tokenizer.ggml.eos_token_id") ?? orDefault(2)
      unknown = try token("tokenizer.ggml.unknown_token_id") ?? orDefault(0)
      addsBeginningOfSequence = try flag("tokenizer.ggml.add_bos_token") ?? true
      addsSpacePrefix = try flag("tokenizer.ggml.add_space_prefix") ?? true
      bytePairEncoder = nil
    }
    sentencePieceEncoder =
      model == .sentencePiece ? SentencePieceEncoder(vocabulary: vocabulary, unknown: unknown) : nil
    padding = try token("tokenizer.ggml.padding_token_id")
    addsEndOfSequence = try flag("tokenizer.ggml.add_eos_token") ?? false

    let endOfTurn = try token("tokenizer.ggml.eot_token_id")
    let endOfMessage = try token("tokenizer.ggml.eom_token_id")
    let fillInTheMiddle = [
      try token("tokenizer.ggml.fim_pad_token_id"), try token("tokenizer.ggml.fim_rep_token_id"),
      try token("tokenizer.ggml.fim_sep_token_id"),
    ]
    endOfGeneration = Self.endOfGenerationTokens(
      vocabulary: &vocabulary, endOfSequence: endOfSequence, endOfTurn: endOfTurn,
      endOfMessage: endOfMessage, fillInTheMiddle: fillInTheMiddle)

    var special: [(token: Int32, bytes: [UInt8])] = []
    for (index, kind) in vocabulary.kinds.enumerated()
    where kind == .control || kind == .userDefined || kind == .unknown {
      special.append((Int32(index), Array(vocabulary.texts[index].utf8)))
    }
    // Longest first, so `<|im_start|>` is not cut up by a shorter token
    // it contains; equal lengths in id order, to be deterministic.
    special.sort {
      $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.token < $1.token
    }
    specialTokens = special

    // Phi-3's tokenizer strips the whitespace after its special tokens;
    // llama.cpp recognises the model by name.
    let name = (file.metadata["general.name"]?.string ?? "").lowercased()
    if name.contains("phi-3") || name.contains("phi3") {
      var strips = Set(special.map(\.token))
      if let end = vocabulary.identifiers["</s>"] { strips.insert(end) }
      for text in ["<unk>", "<s>", "<|endoftext|>"] {
        if let token = vocabulary.identifiers[text] { strips.remove(token) }
      }
      stripsFollowingSpace = strips
    } else {
      stripsFollowingSpace = []
    }

    pieces = TokenPieces(vocabulary: vocabulary, byteLevel: model == .bytePair)
    self.vocabulary = vocabulary
  }

  /// The stop set. Tokens found by name are made control tokens, as llama.cpp
  /// does, so they are never produced from or shown as plain text.
  private static func endOfGenerationTokens(
    vocabulary: inout Vocabulary, endOfSequence: Int32?, endOfTurn: Int32?,
    endOfMessage: Int32?, fillInTheMiddle: [Int32?]
  ) -> Set<Int32> {
    var result = Set(fillInTheMiddle.compactMap { $0 })
    var names = [
      "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
      "<|eom_id|>", "<EOT>",
    ]
    if endOfTurn == nil { names.append("<｜end▁of▁sentence｜>") }
    for name in names {
      if let token = vocabulary.identifiers[name] {
        result.insert(token)
        vocabulary.kinds[Int(token)] = .control
      }
    }
    for token in [endOfSequence, endOfTurn, endOfMessage] {
      if let token { result.insert(token) }
    }
    return result
  }

  public func isControl(_ token: Int32) -> Bool { vocabulary.kind(token) == .control }

  public func kind(of token: Int32) -> TokenKind { vocabulary.kind(token) }

  /// The vocabulary entry of `token` as the model file writes it (with "Ġ"
  /// or "▁" for spaces), or nil for an id outside the vocabulary.
  public func text(of token: Int32) -> String? {
    vocabulary.contains(token) ? vocabulary.texts[Int(token)] : nil
  }

  /// The token whose vocabulary entry is exactly `text` (e.g. `<|im_end|>`).
  public func token(forText text: String) -> Int32? { vocabulary.identifiers[text] }

  /// The bytes `token` stands for. Control and unknown tokens give their
  /// text only when `renderSpecial` is set, and nothing otherwise.
  public func bytes(of token: Int32, renderSpecial: Bool = false) -> [UInt8] {
    Array(pieces.bytes(of: token, renderSpecial: renderSpecial))
  }

  /// The text of `tokens`. Bytes that do not form UTF-8 become U+FFFD. For a
  /// SentencePiece model that adds a space prefix, the space the encoder
  /// added in front of the first text token is dropped, so decoding gives
  /// back what was encoded.
  public func decode(_ tokens: [Int32], renderSpecial: Bool = false) -> String {
    var bytes: [UInt8] = []
    var removesSpace = model == .sentencePiece && addsSpacePrefix
    for token in tokens {
      var piece = pieces.bytes(of: token, renderSpecial: renderSpecial)
      if removesSpace, !isControl(token) {
        if piece.first == UInt8(ascii: " ") { piece = piece.dropFirst() }
        removesSpace = false
      }
      bytes.append(contentsOf: piece)
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
