import GGUF
import Testing

@testable import Tokenizer

/// The chat templates that Qwen 3, Gemma 2, Gemma 3 and Phi-3 ship, as
/// their GGUF files carry them, render a conversation exactly as the Jinja
/// does (the expected texts were rendered from these templates with jinja2,
/// as transformers renders them). Where the Jinja refuses (a system message
/// on Gemma 2), the system text opens the first user turn, as Gemma 3 does.
@Suite struct ModelTemplateTests {
  let conversation: [ChatMessage] = [
    .system("You are a helpful assistant"), .user("Hello"), .assistant(" Hi there "),
    .user("Who are you"),
  ]
  var withoutSystem: [ChatMessage] { Array(conversation.dropFirst()) }
  /// A reply that reasoned first, then a new question.
  let reasoned: [ChatMessage] = [
    .user("Hi"), .assistant("<think>\nPondering.\n</think>\n\nHello!"), .user("Bye"),
  ]

  /// Qwen3-0.6B's template (ChatML with `<think>` blocks).
  static let qwen3 = #"""
    {%- if tools %}
        {{- '<|im_start|>system\n' }}
        {%- if messages[0].role == 'system' %}
            {{- messages[0].content + '\n\n' }}
        {%- endif %}
        {{- "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
        {%- for tool in tools %}
            {{- "\n" }}
            {{- tool | tojson }}
        {%- endfor %}
        {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
    {%- else %}
        {%- if messages[0].role == 'system' %}
            {{- '<|im_start|>system\n' + messages[0].content + '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
    {%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
    {%- for message in messages[::-1] %}
        {%- set index = (messages|length - 1) - loop.index0 %}
        {%- if ns.multi_step_tool and message.role == "user" and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}
            {%- set ns.multi_step_tool = false %}
            {%- set ns.last_query_index = index %}
        {%- endif %}
    {%- endfor %}
    {%- for message in messages %}
        {%- if (message.role == "user") or (message.role == "system" and not loop.first) %}
            {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
        {%- elif message.role == "assistant" %}
            {%- set content = message.content %}
            {%- set reasoning_content = '' %}
            {%- if message.reasoning_content is defined and message.reasoning_content is not none %}
                {%- set reasoning_content = message.reasoning_content %}
            {%- else %}
                {%- if '</think>' in message.content %}
                    {%- set content = message.content.split('</think>')[-1].lstrip('\n') %}
                    {%- set reasoning_content = message.content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') %}
                {%- endif %}
            {%- endif %}
            {%- if loop.index0 > ns.last_query_index %}
                {%- if loop.last or (not loop.last and reasoning_content) %}
                    {{- '<|im_start|>' + message.role + '\n<think>\n' + reasoning_content.strip('\n') + '\n</think>\n\n' + content.lstrip('\n') }}
                {%- else %}
                    {{- '<|im_start|>' + message.role + '\n' + content }}
                {%- endif %}
            {%- else %}
                {{- '<|im_start|>' + message.role + '\n' + content }}
            {%- endif %}
            {%- if message.tool_calls %}
                {%- for tool_call in message.tool_calls %}
                    {%- if (loop.first and content) or (not loop.first) %}
                        {{- '\n' }}
                    {%- endif %}
                    {%- if tool_call.function %}
                        {%- set tool_call = tool_call.function %}
                    {%- endif %}
                    {{- '<tool_call>\n{"name": "' }}
                    {{- tool_call.name }}
                    {{- '", "arguments": ' }}
                    {%- if tool_call.arguments is string %}
                        {{- tool_call.arguments }}
                    {%- else %}
                        {{- tool_call.arguments | tojson }}
                    {%- endif %}
                    {{- '}\n</tool_call>' }}
                {%- endfor %}
            {%- endif %}
            {{- '<|im_end|>\n' }}
        {%- elif message.role == "tool" %}
            {%- if loop.first or (messages[loop.index0 - 1].role != "tool") %}
                {{- '<|im_start|>user' }}
            {%- endif %}
            {{- '\n<tool_response>\n' }}
            {{- message.content }}
            {{- '\n</tool_response>' }}
            {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
                {{- '<|im_end|>\n' }}
            {%- endif %}
        {%- endif %}
    {%- endfor %}
    {%- if add_generation_prompt %}
        {{- '<|im_start|>assistant\n' }}
        {%- if enable_thinking is defined and enable_thinking is false %}
            {{- '<think>\n\n</think>\n\n' }}
        {%- endif %}
    {%- endif %}
    """#

  /// gemma-2-2b-it's template, with its real newlines.
  static let gemma2 =
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}"

  /// gemma-3-1b-it's template: the system text prefixes the first user turn.
  static let gemma3 = #"""
    {{ bos_token }}
    {%- if messages[0]['role'] == 'system' -%}
        {%- if messages[0]['content'] is string -%}
            {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}
        {%- else -%}
            {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}
        {%- endif -%}
        {%- set loop_messages = messages[1:] -%}
    {%- else -%}
        {%- set first_user_prefix = "" -%}
        {%- set loop_messages = messages -%}
    {%- endif -%}
    {%- for message in loop_messages -%}
        {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
            {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
        {%- endif -%}
        {%- if (message['role'] == 'assistant') -%}
            {%- set role = "model" -%}
        {%- else -%}
            {%- set role = message['role'] -%}
        {%- endif -%}
        {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }}
        {%- if message['content'] is string -%}
            {{ message['content'] | trim }}
        {%- elif message['content'] is iterable -%}
            {%- for item in message['content'] -%}
                {%- if item['type'] == 'image' -%}
                    {{ '<start_of_image>' }}
                {%- elif item['type'] == 'text' -%}
                    {{ item['text'] | trim }}
                {%- endif -%}
            {%- endfor -%}
        {%- else -%}
            {{ raise_exception("Invalid content type") }}
        {%- endif -%}
        {{ '<end_of_turn>\n' }}
    {%- endfor -%}
    {%- if add_generation_prompt -%}
        {{'<start_of_turn>model\n'}}
    {%- endif -%}
    """#

  /// Phi-3-mini-4k-instruct's first template: BOS, no system role, and the
  /// reply opened after every question.
  static let phi3Mini =
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') %}{{'<|user|>' + '\n' + message['content'] + '<|end|>' + '\n' + '<|assistant|>' + '\n'}}{% elif (message['role'] == 'assistant') %}{{message['content'] + '<|end|>' + '\n'}}{% endif %}{% endfor %}"

  @Test func qwen3() {
    let template = ChatTemplate(
      template: Self.qwen3, beginningOfSequence: "<|endoftext|>", endOfSequence: "<|im_end|>")
    #expect(template.family == .chatML)
    #expect(template.warning == nil)
    #expect(template.defaultSystemPrompt == nil)
    #expect(template.needsBeginningOfSequence)
    #expect(
      template.render(conversation)
        == "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n Hi there <|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n<|im_start|>assistant\n"
    )
    // Replies before the last question lose their reasoning.
    #expect(
      template.render(reasoned)
        == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n"
    )
    // The last reply keeps it, in a <think> block even when it had none.
    #expect(
      template.render(Array(reasoned.prefix(2)), addGenerationPrompt: false)
        == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\nPondering.\n</think>\n\nHello!<|im_end|>\n"
    )
    #expect(
      template.render([.user("Hi"), .assistant("Hello!")], addGenerationPrompt: false)
        == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nHello!<|im_end|>\n"
    )
  }

  /// Plain ChatML templates (no `</think>`) write replies as they are.
  @Test func chatMLWithoutReasoningKeepsReplies() {
    let template = ChatTemplate(template: ChatTemplateTests.chatML)
    #expect(
      template.render(reasoned)
        == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\nPondering.\n</think>\n\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n"
    )
  }

  @Test func gemma2() {
    let template = ChatTemplate(
      template: Self.gemma2, beginningOfSequence: "<bos>", endOfSequence: "<eos>")
    #expect(template.family == .gemma)
    #expect(!template.needsBeginningOfSequence)
    #expect(
      template.render(withoutSystem)
        == "<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\n"
    )
    #expect(
      template.render(conversation)
        == "<bos><start_of_turn>user\nYou are a helpful assistant\n\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\n"
    )
  }

  @Test func gemma3() {
    let template = ChatTemplate(
      template: Self.gemma3, beginningOfSequence: "<bos>", endOfSequence: "<eos>")
    #expect(template.family == .gemma)
    #expect(!template.needsBeginningOfSequence)
    #expect(
      template.render(conversation)
        == "<bos><start_of_turn>user\nYou are a helpful assistant\n\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\n"
    )
    #expect(
      template.render([.user("Hi"), .assistant("Hello!")], addGenerationPrompt: false)
        == "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n")
  }

  @Test func phi3Mini() {
    let template = ChatTemplate(
      template: Self.phi3Mini, beginningOfSequence: "<s>", endOfSequence: "<|endoftext|>")
    #expect(template.family == .phi3)
    #expect(!template.needsBeginningOfSequence)
    #expect(
      template.render(withoutSystem)
        == "<s><|user|>\nHello<|end|>\n<|assistant|>\n Hi there <|end|>\n<|user|>\nWho are you<|end|>\n<|assistant|>\n"
    )
    // The template opens the reply whether asked or not.
    #expect(
      template.render([.user("Hi")], addGenerationPrompt: false)
        == "<s><|user|>\nHi<|end|>\n<|assistant|>\n")
    #expect(
      template.render([.user("Hi"), .assistant("Hello!")], addGenerationPrompt: false)
        == "<s><|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n")
  }

  /// Phi-3.5-mini-instruct's template skips an empty system message.
  @Test func phi35SkipsAnEmptySystemMessage() {
    let template = ChatTemplate(
      template: ChatTemplateTests.phi3, beginningOfSequence: "<s>",
      endOfSequence: "<|endoftext|>")
    #expect(
      template.render([.system(""), .user("Hi")]) == "<|user|>\nHi<|end|>\n<|assistant|>\n")
  }

  /// A Gemma vocabulary: `<end_of_turn>` ends a reply besides `<eos>`, and
  /// the rendered prompt's turn markers are single tokens.
  @Test func gemmaStopsAtEndOfTurn() throws {
    let entries: [(String, TokenKind)] = [
      ("<pad>", .control), ("<eos>", .control), ("<bos>", .control), ("<unk>", .unknown),
      ("<start_of_turn>", .userDefined), ("<end_of_turn>", .userDefined), ("▁", .normal),
      ("H", .normal), ("i", .normal), ("\n", .normal), ("user", .normal), ("model", .normal),
    ]
    let tokenizer = try Tokenizer(
      file: makeFile { writer in
        writer.set("tokenizer.ggml.model", .string("llama"))
        writer.set("tokenizer.ggml.tokens", strings: entries.map(\.0))
        writer.set("tokenizer.ggml.scores", floats: entries.map { _ in 0 })
        writer.set("tokenizer.ggml.token_type", int32s: entries.map(\.1.rawValue))
        writer.set("tokenizer.ggml.bos_token_id", .uint32(2))
        writer.set("tokenizer.ggml.eos_token_id", .uint32(1))
        writer.set("tokenizer.ggml.add_space_prefix", .bool(false))
      })
    #expect(tokenizer.endOfGeneration == [1, 5])
    let prompt = ChatTemplate(template: Self.gemma3).render([.user("Hi")])
    #expect(prompt == "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n")
    let encoded = tokenizer.encode(prompt)
    #expect(encoded.first == 2)
    #expect(encoded.filter { $0 == 4 }.count == 2)
    #expect(encoded.filter { $0 == 5 }.count == 1)
  }
}
