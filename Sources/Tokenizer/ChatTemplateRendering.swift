extension ChatTemplate {
  /// The prompt for `messages`, ending with the opening of the assistant's
  /// turn when `addGenerationPrompt` is set (templates that always or never
  /// write one keep doing so, as their Jinja does).
  ///
  /// Where a template would refuse a conversation (a system message on a
  /// model without a system role, roles that do not alternate), the prompt
  /// is still rendered: a system message on Mistral v0.1/v0.2 and Gemma is
  /// put in front of the first user message, separated by a blank line.
  public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
    switch family {
    case .chatML: renderChatML(messages, addGenerationPrompt)
    case .phi4: renderPhi4(messages)
    case .llama2: renderLlama2(messages)
    case .mistral: renderMistral(messages)
    case .mistralV3, .mistralV3Tekken: renderMistralV3(messages)
    case .mistralV7: renderMistralV7(messages)
    case .llama3: renderLlama3(messages, addGenerationPrompt)
    case .llama31: renderLlama31(messages, addGenerationPrompt)
    case .zephyr: renderZephyr(messages, addGenerationPrompt)
    case .gemma: renderGemma(messages, addGenerationPrompt)
    case .phi3: renderPhi3(messages, addGenerationPrompt)
    case .commandR: renderCommandR(messages, addGenerationPrompt)
    case .vicuna, .vicunaOrca: renderVicuna(messages, addGenerationPrompt)
    }
  }

  /// Whether the encoder should add the beginning-of-sequence token to a
  /// rendered prompt: false when the template writes it itself (Llama 2 and
  /// 3, Mistral, Gemma...), so it is never doubled. Pass it as `addSpecial`.
  public var needsBeginningOfSequence: Bool {
    switch family {
    case .chatML, .phi4, .zephyr, .vicuna, .vicunaOrca: true
    default: templateBeginningOfSequence.isEmpty
    }
  }

  /// `bos_token` where the template writes it, else nothing.
  private var templateBeginningOfSequence: String {
    source?.contains("bos_token") ?? false ? beginningOfSequence : ""
  }

  /// The system message, if the conversation opens with one, and the rest.
  private func splitSystem(_ messages: [ChatMessage]) -> (String?, ArraySlice<ChatMessage>) {
    if let first = messages.first, first.role == .system {
      return (first.content, messages.dropFirst())
    }
    return (nil, messages[...])
  }

  private func renderChatML(_ messages: [ChatMessage], _ addGenerationPrompt: Bool) -> String {
    var text = ""
    if let defaultSystemPrompt, let first = messages.first, first.role != .system {
      text += "<|im_start|>system\n\(defaultSystemPrompt)<|im_end|>\n"
    }
    // Qwen 3's template keeps the reasoning of replies only after the last
    // question: earlier replies lose their `<think>` block.
    let dropsReasoning = source?.contains("</think>") ?? false
    let lastQuery =
      messages.lastIndex {
        $0.role == .user
          && !($0.content.hasPrefix("<tool_response>") && $0.content.hasSuffix("</tool_response>"))
      } ?? messages.count - 1
    for (index, message) in messages.enumerated() {
      if dropsReasoning, message.role == .assistant {
        text +=
          "<|im_start|>assistant\n"
          + Self.qwen3Reply(
            message.content, keepsReasoning: index > lastQuery, isLast: index == messages.count - 1)
          + "<|im_end|>\n"
      } else {
        text += "<|im_start|>\(message.role.rawValue)\n\(message.content)<|im_end|>\n"
      }
    }
    if addGenerationPrompt { text += "<|im_start|>assistant\n" }
    return text
  }

  /// A reply as Qwen 3's template writes it: the reasoning (between
  /// `<think>` and the first `</think>`) and the answer (after the last
  /// `</think>`) are split apart; the reasoning is written back, in a fresh
  /// `<think>` block, only for replies after the last question (for the last
  /// message even when empty).
  static func qwen3Reply(_ content: String, keepsReasoning: Bool, isLast: Bool) -> String {
    var answer = content
    var reasoning = ""
    let closings = content.ranges(of: "</think>")
    if let first = closings.first, let last = closings.last {
      let before = String(content[..<first.lowerBound]).trimmingTrailing("\n")
      let opened = before.ranges(of: "<think>").last.map { before[$0.upperBound...] }
      reasoning = String(opened ?? before[...]).trimmingLeading("\n")
      answer = String(content[last.upperBound...]).trimmingLeading("\n")
    }
    guard keepsReasoning, isLast || !reasoning.isEmpty else { return answer }
    return "<think>\n" + reasoning.trimmingLeading("\n").trimmingTrailing("\n") + "\n</think>\n\n"
      + answer.trimmingLeading("\n")
  }

  private func renderPhi4(_ messages: [ChatMessage]) -> String {
    var text = ""
    for message in messages {
      switch message.role {
      case .system: text += "<|im_start|>system<|im_sep|>\(message.content)<|im_end|>"
      case .user:
        text +=
          "<|im_start|>user<|im_sep|>\(message.content)<|im_end|>"
          + "<|im_start|>assistant<|im_sep|>"
      case .assistant: text += "\(message.content)<|im_end|>"
      }
    }
    return text
  }

  private func renderLlama2(_ messages: [ChatMessage]) -> String {
    let (system, turns) = splitSystem(messages)
    var text = ""
    for (index, message) in turns.enumerated() {
      var content = message.content
      if index == 0, let system { content = "<<SYS>>\n\(system)\n<</SYS>>\n\n" + content }
      switch message.role {
      case .user:
        text += "\(templateBeginningOfSequence)[INST] \(content.strippingWhitespace()) [/INST]"
      case .assistant: text += " \(content.strippingWhitespace()) \(endOfSequence)"
      case .system: break
      }
    }
    return text
  }

  private func renderMistral(_ messages: [ChatMessage]) -> String {
    let (system, turns) = splitSystem(messages)
    var text = templateBeginningOfSequence
    var pendingSystem = system
    for message in turns {
      switch message.role {
      case .user:
        var content = message.content
        if let system = pendingSystem {
          content = "\(system)\n\n\(content)"
          pendingSystem = nil
        }
        text += "[INST] \(content) [/INST]"
      case .assistant: text += "\(message.content)\(endOfSequence)"
      case .system: break
      }
    }
    return text
  }

  /// Mistral v0.3 puts the system text in the last user turn.
  private func renderMistralV3(_ messages: [ChatMessage]) -> String {
    let (system, turns) = splitSystem(messages)
    let tekken = family == .mistralV3Tekken
    let open = tekken ? "[INST]" : "[INST] "
    var text = templateBeginningOfSequence
    for (index, message) in zip(turns.indices, turns) {
      switch message.role {
      case .user:
        if index == turns.index(before: turns.endIndex), let system {
          text += "\(open)\(system)\n\n\(message.content)[/INST]"
        } else {
          text += "\(open)\(message.content)[/INST]"
        }
      case .assistant:
        text +=
          tekken
          ? "\(message.content)\(endOfSequence)"
          : " \(message.content.strippingWhitespace())\(endOfSequence)"
      case .system: break
      }
    }
    return text
  }

  private func renderMistralV7(_ messages: [ChatMessage]) -> String {
    var text = templateBeginningOfSequence
    for message in messages {
      switch message.role {
      case .system: text += "[SYSTEM_PROMPT] \(message.content)[/SYSTEM_PROMPT]"
      case .user: text += "[INST] \(message.content)[/INST]"
      case .assistant: text += " \(message.content)\(endOfSequence)"
      }
    }
    return text
  }

  private func llama3Turn(_ role: String, _ content: String) -> String {
    "<|start_header_id|>\(role)<|end_header_id|>\n\n\(content.strippingWhitespace())<|eot_id|>"
  }

  private var llama3WritesGenerationPrompt: Bool {
    // The first Llama 3 templates always open the assistant turn.
    !(source?.contains("add_generation_prompt") ?? true)
  }

  private func renderLlama3(_ messages: [ChatMessage], _ addGenerationPrompt: Bool) -> String {
    var text = templateBeginningOfSequence
    for message in messages { text += llama3Turn(message.role.rawValue, message.content) }
    if addGenerationPrompt || llama3WritesGenerationPrompt {
      text += "<|start_header_id|>assistant<|end_header_id|>\n\n"
    }
    return text
  }

  /// Llama 3.1 always writes a system turn headed by the knowledge cutoff
  /// and the template's default date.
  private func renderLlama31(_ messages: [ChatMessage], _ addGenerationPrompt: Bool) -> String {
    let (system, turns) = splitSystem(messages)
    var text = templateBeginningOfSequence + "<|start_header_id|>system<|end_header_id|>\n\n"
    text += "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
    text += (system ?? "").strippingWhitespace() + "<|eot_id|>"
    for message in turns { text += llama3Turn(message.role.rawValue, message.content) }
    if addGenerationPrompt { text += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
    return text
  }

  private func renderZephyr(_ messages: [ChatMessage], _ addGenerationPrompt: Bool) -> String {
    // StableLM's variant writes `<|endoftext|>` itself instead of eos_token.
    let end =
      source.map { !$0.contains("eos_token") && $0.contains("<|endoftext|>") } ?? false
      ? "<|endoftext|>" : endOfSequence
    var text = ""
    for message in messages { text += "<|\(message.role.rawValue)|>\n\(message.content)\(end)\n" }
    if addGenerationPrompt, !messages.isEmpty { text += "<|assistant|>\n" }
    return text
  }

  private func renderGemma(_ messages: [ChatMessage], _ addGenerationPrompt: Bool) -> String {
    let (system, turns) = splitSystem(messages)
    var text = templateBeginningOfSequence
    for (index, message) in turns.enumerated() {
      let role = message.role == .assistant ? "model" : message.role.rawValue
      let prefix = index == 0 ? system.map { "\($0)\n\n" } ?? "" : ""
      text +=
        "<start_of_turn>\(role)\n\(prefix)\(message.content.strippingWhitespace())"
        + "<end_of_turn>\n"
    }
    if addGenerationPrompt { text += "<start_of_turn>model\n" }
    return text
  }

  private func renderPhi3(_ messages: [ChatMessage], _ addGenerationPrompt: Bool) -> String {
    var text = templateBeginningOfSequence
    for message in messages {
      // Phi-3.5 skips an empty system message.
      if message.role == .system && message.content.isEmpty { continue }
      text += "<|\(message.role.rawValue)|>\n\(message.content)<|end|>\n"
    }
    // Phi-3 mini's first template opens the reply after every question.
    let alwaysOpensReply = !(source?.contains("add_generation_prompt") ?? true)
    if addGenerationPrompt || (alwaysOpensReply && messages.last?.role == .user) {
      text += "<|assistant|>\n"
    } else if source?.contains("eos_token") ?? false {
      text += endOfSequence
    }
    return text
  }

  private func renderCommandR(_ messages: [ChatMessage], _ addGenerationPrompt: Bool) -> String {
    let (system, turns) = splitSystem(messages)
    var text = templateBeginningOfSequence
    if let system {
      text += "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>\(system)<|END_OF_TURN_TOKEN|>"
    }
    for message in turns {
      let token = message.role == .user ? "<|USER_TOKEN|>" : "<|CHATBOT_TOKEN|>"
      text +=
        "<|START_OF_TURN_TOKEN|>\(token)\(message.content.strippingWhitespace())"
        + "<|END_OF_TURN_TOKEN|>"
    }
    if addGenerationPrompt { text += "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>" }
    return text
  }

  private func renderVicuna(_ messages: [ChatMessage], _ addGenerationPrompt: Bool) -> String {
    var text = ""
    for message in messages {
      switch message.role {
      case .system:
        text += family == .vicunaOrca ? "SYSTEM: \(message.content)\n" : "\(message.content)\n\n"
      case .user: text += "USER: \(message.content)\n"
      case .assistant: text += "ASSISTANT: \(message.content)</s>\n"
      }
    }
    if addGenerationPrompt { text += "ASSISTANT:" }
    return text
  }
}

extension String {
  /// Python's `str.lstrip(characters)`.
  func trimmingLeading(_ characters: Character) -> String {
    String(drop { $0 == characters })
  }

  /// Python's `str.rstrip(characters)`.
  func trimmingTrailing(_ characters: Character) -> String {
    var end = endIndex
    while end > startIndex, self[index(before: end)] == characters { end = index(before: end) }
    return String(self[..<end])
  }

  /// Python's `str.strip()` (Jinja's `trim`): whitespace off both ends.
  func strippingWhitespace() -> String {
    func isSpace(_ scalar: Unicode.Scalar) -> Bool {
      scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }
    let scalars = unicodeScalars
    guard let first = scalars.firstIndex(where: { !isSpace($0) }),
      let last = scalars.lastIndex(where: { !isSpace($0) })
    else { return "" }
    return String(scalars[first...last])
  }
}
