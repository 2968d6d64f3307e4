import Testing

@testable import Tokenizer

/// Each family renders a fixed conversation exactly as its published Jinja
/// template does (templates as shipped in the models' tokenizer_config.json).
@Suite struct ChatTemplateTests {
  let conversation: [ChatMessage] = [
    .system("You are a helpful assistant"), .user("Hello"), .assistant(" Hi there "),
    .user("Who are you"),
  ]
  var withoutSystem: [ChatMessage] { Array(conversation.dropFirst()) }

  static let chatML =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
  static let llama2 =
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}"
  static let mistral =
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"
  static let llama3 =
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
  static let zephyr =
    "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}"
  static let gemma =
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}"
  static let phi3 =
    "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}"
  static let mistralV7 =
    "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + '[/INST]' }}{% elif message['role'] == 'system' %}{{ '[SYSTEM_PROMPT] ' + message['content'] + '[/SYSTEM_PROMPT]' }}{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] + eos_token }}{% else %}{{ raise_exception('Only user, system and assistant roles are supported!') }}{% endif %}{% endfor %}"
  static let phi4 =
    "{% for message in messages %}{% if (message['role'] == 'system') %}{{'<|im_start|>system<|im_sep|>' + message['content'] + '<|im_end|>'}}{% elif (message['role'] == 'user') %}{{'<|im_start|>user<|im_sep|>' + message['content'] + '<|im_end|><|im_start|>assistant<|im_sep|>'}}{% elif (message['role'] == 'assistant') %}{{message['content'] + '<|im_end|>'}}{% endif %}{% endfor %}"

  @Test func chatML() {
    let template = ChatTemplate(template: Self.chatML)
    #expect(template.family == .chatML)
    #expect(template.defaultSystemPrompt == nil)
    #expect(
      template.render(conversation)
        == "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n Hi there <|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n<|im_start|>assistant\n"
    )
    #expect(
      template.render([.user("Hi")], addGenerationPrompt: false)
        == "<|im_start|>user\nHi<|im_end|>\n")
  }

  @Test func llama2() {
    let template = ChatTemplate(
      template: Self.llama2, beginningOfSequence: "<s>", endOfSequence: "</s>")
    #expect(template.family == .llama2)
    #expect(
      template.render(conversation)
        == "<s>[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST] Hi there </s><s>[INST] Who are you [/INST]"
    )
    #expect(!template.needsBeginningOfSequence)
  }

  @Test func mistral() {
    let template = ChatTemplate(
      template: Self.mistral, beginningOfSequence: "<s>", endOfSequence: "</s>")
    #expect(template.family == .mistral)
    #expect(
      template.render(withoutSystem)
        == "<s>[INST] Hello [/INST] Hi there </s>[INST] Who are you [/INST]")
    // No system role: its text opens the first user turn.
    #expect(
      template.render(conversation)
        == "<s>[INST] You are a helpful assistant\n\nHello [/INST] Hi there </s>[INST] Who are you [/INST]"
    )
  }

  @Test func llama3() {
    let template = ChatTemplate(
      template: Self.llama3, beginningOfSequence: "<|begin_of_text|>", endOfSequence: "<|eot_id|>")
    #expect(template.family == .llama3)
    #expect(
      template.render(conversation)
        == "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    #expect(!template.needsBeginningOfSequence)
  }

  @Test func zephyr() {
    let template = ChatTemplate(
      template: Self.zephyr, beginningOfSequence: "<s>", endOfSequence: "</s>")
    #expect(template.family == .zephyr)
    #expect(
      template.render(conversation)
        == "<|system|>\nYou are a helpful assistant</s>\n<|user|>\nHello</s>\n<|assistant|>\n Hi there </s>\n<|user|>\nWho are you</s>\n<|assistant|>\n"
    )
    #expect(template.needsBeginningOfSequence)
  }

  @Test func gemma() {
    let template = ChatTemplate(
      template: Self.gemma, beginningOfSequence: "<bos>", endOfSequence: "<eos>")
    #expect(template.family == .gemma)
    #expect(
      template.render(withoutSystem)
        == "<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\n"
    )
    // No system role: it is folded into the first user turn, as Gemma 3 does.
    #expect(
      template.render(conversation)
        == "<bos><start_of_turn>user\nYou are a helpful assistant\n\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\n"
    )
  }

  @Test func phi3() {
    let template = ChatTemplate(
      template: Self.phi3, beginningOfSequence: "<s>", endOfSequence: "<|endoftext|>")
    #expect(template.family == .phi3)
    #expect(
      template.render(conversation)
        == "<|system|>\nYou are a helpful assistant<|end|>\n<|user|>\nHello<|end|>\n<|assistant|>\n Hi there <|end|>\n<|user|>\nWho are you<|end|>\n<|assistant|>\n"
    )
    #expect(
      template.render([.user("Hi")], addGenerationPrompt: false)
        == "<|user|>\nHi<|end|>\n<|endoftext|>")
  }

  @Test func mistralV7AndPhi4() {
    let mistral = ChatTemplate(
      template: Self.mistralV7, beginningOfSequence: "", endOfSequence: "</s>")
    #expect(mistral.family == .mistralV7)
    #expect(
      mistral.render(conversation)
        == "[SYSTEM_PROMPT] You are a helpful assistant[/SYSTEM_PROMPT][INST] Hello[/INST]  Hi there </s>[INST] Who are you[/INST]"
    )
    let phi4 = ChatTemplate(template: Self.phi4)
    #expect(phi4.family == .phi4)
    #expect(
      phi4.render(conversation)
        == "<|im_start|>system<|im_sep|>You are a helpful assistant<|im_end|><|im_start|>user<|im_sep|>Hello<|im_end|><|im_start|>assistant<|im_sep|> Hi there <|im_end|><|im_start|>user<|im_sep|>Who are you<|im_end|><|im_start|>assistant<|im_sep|>"
    )
  }

  @Test func defaultSystemPromptOnlyWithoutASystemMessage() {
    let source =
      "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    let template = ChatTemplate(template: source)
    #expect(template.defaultSystemPrompt == "You are Qwen, created by Alibaba Cloud.")
    #expect(
      template.render([.user("Hi")])
        == "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )
    #expect(
      template.render([.system("Be brief."), .user("Hi")])
        == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )
  }

  @Test func unknownTemplateFallsBackToChatMLWithWarning() {
    let template = ChatTemplate(template: "{{ messages }} something nobody uses")
    #expect(template.family == .chatML)
    #expect(
      template.render([.user("Hi")]) == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    #expect(template.warning != nil)
    #expect(ChatTemplate(template: nil).warning != nil)
    #expect(ChatTemplate(template: Self.chatML).warning == nil)
    #expect(ChatTemplate.Family.llama3.description == "Llama 3")
  }
}
