import GGUF

/// Renders conversations the way a model's own chat template
/// (`tokenizer.chat_template`, a Jinja program) would. The template is not
/// executed: its family is recognised by distinctive text and rendered by
/// hand, which covers the templates models ship with.
public struct ChatTemplate: Sendable {
  public enum Family: String, Sendable, CaseIterable {
    /// `<|im_start|>role\n...<|im_end|>\n` (Qwen, SmolLM, Hermes...).
    case chatML
    /// ChatML with `<|im_sep|>` after the role (Phi-4).
    case phi4
    /// `[INST] <<SYS>>\n...\n<</SYS>>\n\n... [/INST]` (Llama 2 chat).
    case llama2
    /// `[INST] ... [/INST]` without a system turn (Mistral 7B v0.1/v0.2).
    case mistral
    /// `[INST] ...[/INST]`, the system text in the last user turn (Mistral v0.3).
    case mistralV3
    /// `[INST]...[/INST]` without spaces (Mistral Nemo, Tekken).
    case mistralV3Tekken
    /// `[SYSTEM_PROMPT] ...[/SYSTEM_PROMPT][INST] ...[/INST]` (Mistral Large 2411).
    case mistralV7
    /// `<|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>` (Llama 3).
    case llama3
    /// Llama 3 with the dated system header (Llama 3.1 and later).
    case llama31
    /// `<|user|>\n...</s>\n` (Zephyr).
    case zephyr
    /// `<start_of_turn>user\n...<end_of_turn>\n` (Gemma); no system role.
    case gemma
    /// `<|user|>\n...<|end|>\n` (Phi-3).
    case phi3
    /// `<|START_OF_TURN_TOKEN|><|USER_TOKEN|>...` (Command R).
    case commandR
    /// `USER: ...\nASSISTANT: ...</s>\n` (Vicuna).
    case vicuna
    /// Vicuna with `SYSTEM: ` (Orca Vicuna).
    case vicunaOrca
  }

  public let family: Family
  /// The model's template text, if it has one.
  public let source: String?
  /// Set when the template was missing or not recognised, so ChatML is used.
  public let warning: String?
  /// The system prompt the template inserts when the conversation has none.
  public let defaultSystemPrompt: String?
  /// The texts the template writes for `bos_token` and `eos_token`.
  public let beginningOfSequence: String
  public let endOfSequence: String

  /// The template of the model in `file`, with its own BOS and EOS texts.
  public init(file: GGUFFile) {
    func tokenText(_ key: String) -> String? {
      guard let id = file.metadata[key]?.integer,
        let tokens = file.metadata["tokenizer.ggml.tokens"]?.array, id >= 0, id < tokens.count
      else { return nil }
      return tokens.element(at: id).string
    }
    self.init(
      template: file.metadata["tokenizer.chat_template"]?.string,
      beginningOfSequence: tokenText("tokenizer.ggml.bos_token_id"),
      endOfSequence: tokenText("tokenizer.ggml.eos_token_id"))
  }

  /// A template given as text. BOS and EOS texts default to the family's
  /// usual ones (`<s>`, `</s>`, `<|begin_of_text|>`, `<bos>`...).
  public init(template: String?, beginningOfSequence: String? = nil, endOfSequence: String? = nil) {
    let detected = template.flatMap(Self.family(of:))
    family = detected ?? .chatML
    source = template
    if template?.isEmpty ?? true {
      warning = "the model has no chat template; using ChatML"
    } else if detected == nil {
      warning = "the model's chat template is not one this engine recognises; using ChatML"
    } else {
      warning = nil
    }
    defaultSystemPrompt = family == .chatML ? template.flatMap(Self.chatMLDefaultSystem) : nil
    let defaults = Self.defaultTokens(of: family)
    self.beginningOfSequence = beginningOfSequence ?? defaults.begin
    self.endOfSequence = endOfSequence ?? defaults.end
  }

  /// The family of a template, by text only its family uses; nil if unknown.
  public static func family(of template: String) -> Family? {
    func has(_ text: String) -> Bool { template.contains(text) }
    if has("<|im_start|>") { return has("<|im_sep|>") ? .phi4 : .chatML }
    if has("[INST]") {
      if has("[SYSTEM_PROMPT]") { return .mistralV7 }
      if has("[AVAILABLE_TOOLS]") || has("' [INST] ' + system_message") {
        return has("\"[INST]\"") || has("'[INST]'") ? .mistralV3Tekken : .mistralV3
      }
      return has("<<SYS>>") ? .llama2 : .mistral
    }
    if has("<|start_header_id|>") && has("<|end_header_id|>") {
      return has("Cutting Knowledge Date") ? .llama31 : .llama3
    }
    if has("<start_of_turn>") { return .gemma }
    if has("<|user|>") && has("<|end|>") { return .phi3 }
    if has("<|user|>") && (has("eos_token") || has("</s>") || has("<|endoftext|>")) {
      return .zephyr
    }
    if has("<|START_OF_TURN_TOKEN|>") && has("<|USER_TOKEN|>") { return .commandR }
    if has("USER: ") && has("ASSISTANT: ") { return has("SYSTEM: ") ? .vicunaOrca : .vicuna }
    return nil
  }

  private static func defaultTokens(of family: Family) -> (begin: String, end: String) {
    switch family {
    case .chatML, .phi4: ("", "<|im_end|>")
    case .llama3, .llama31: ("<|begin_of_text|>", "<|eot_id|>")
    case .gemma: ("<bos>", "<eos>")
    case .phi3: ("<s>", "<|endoftext|>")
    case .commandR: ("<BOS_TOKEN>", "<|END_OF_TURN_TOKEN|>")
    case .llama2, .mistral, .mistralV3, .mistralV3Tekken, .mistralV7, .zephyr, .vicuna,
      .vicunaOrca:
      ("<s>", "</s>")
    }
  }

  /// The text of a string literal in the template that opens a system turn
  /// and closes it (`'<|im_start|>system\nYou are ...<|im_end|>\n'`): the
  /// template writes it when the conversation has no system message.
  static func chatMLDefaultSystem(in template: String) -> String? {
    let opening = "<|im_start|>system"
    var searchStart = template.startIndex
    while let found = template[searchStart...].firstRange(of: opening) {
      searchStart = found.upperBound
      var index = found.upperBound
      // The newline is either a real one or the escape `\n` in the literal.
      if template[index...].hasPrefix("\n") {
        index = template.index(after: index)
      } else if template[index...].hasPrefix("\\n") {
        index = template.index(index, offsetBy: 2)
      } else {
        continue
      }
      var text = ""
      var closed = false
      while index < template.endIndex {
        if template[index...].hasPrefix("<|im_end|>") {
          closed = true
          break
        }
        let character = template[index]
        if character == "'" || character == "\"" { break }
        if character == "\\" {
          let next = template.index(after: index)
          guard next < template.endIndex else { break }
          switch template[next] {
          case "n": text.append("\n")
          case "t": text.append("\t")
          default: text.append(template[next])
          }
          index = template.index(after: next)
          continue
        }
        text.append(character)
        index = template.index(after: index)
      }
      if closed, !text.isEmpty { return text }
    }
    return nil
  }
}

extension ChatTemplate.Family: CustomStringConvertible {
  /// The family's name as people know it.
  public var description: String {
    switch self {
    case .chatML: "ChatML"
    case .phi4: "Phi-4"
    case .llama2: "Llama 2"
    case .mistral: "Mistral"
    case .mistralV3: "Mistral v3"
    case .mistralV3Tekken: "Mistral v3 Tekken"
    case .mistralV7: "Mistral v7"
    case .llama3: "Llama 3"
    case .llama31: "Llama 3.1"
    case .zephyr: "Zephyr"
    case .gemma: "Gemma"
    case .phi3: "Phi-3"
    case .commandR: "Command R"
    case .vicuna: "Vicuna"
    case .vicunaOrca: "Orca Vicuna"
    }
  }
}
