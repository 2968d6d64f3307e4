/// Why a tokenizer could not be built from a model file. Each case says what
/// is wrong in words a person choosing a model can act on.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
  /// `tokenizer.ggml.tokens` is absent or empty.
  case missingVocabulary
  /// `tokenizer.ggml.model` names a tokenizer this engine does not implement.
  case unsupportedModel(String)
  /// A byte-level BPE model without `tokenizer.ggml.merges`.
  case missingMerges
  /// A merge rule that is not two tokens separated by a space.
  case badMerge(index: Int, text: String)
  /// A metadata value of the wrong type or length.
  case badMetadata(key: String, reason: String)

  public var description: String {
    switch self {
    case .missingVocabulary:
      "the model has no vocabulary (metadata 'tokenizer.ggml.tokens' is missing or empty)"
    case .unsupportedModel(let name):
      "the model's tokenizer '\(name)' is not supported (supported: 'gpt2' byte-level BPE "
        + "and 'llama' SentencePiece); choose a model with one of these tokenizers"
    case .missingMerges:
      "the model's byte-level BPE tokenizer has no merges (metadata 'tokenizer.ggml.merges')"
    case .badMerge(let index, let text):
      "merge \(index) of the model's tokenizer ('\(text)') is not two tokens separated by a space"
    case .badMetadata(let key, let reason):
      "the model's metadata '\(key)' is unusable: \(reason)"
    }
  }
}
