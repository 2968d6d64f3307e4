"""Talks to a running `aistick serve --http` with the official openai package,
as any OpenAI client would. Usage: openai_client.py BASE_URL

Each check prints "ok NAME" or "FAIL NAME: why"; the exit status is the
number of failures.
"""

import sys

import openai

QUESTION = "What is the capital of France? Answer in one sentence."
MODEL = "SmolLM2-135M-Instruct.Q4_1"

client = openai.OpenAI(base_url=sys.argv[1], api_key="unused", max_retries=0, timeout=120)
failures = 0


def check(name):
    def run(function):
        global failures
        try:
            function()
            print(f"ok {name}", flush=True)
        except Exception as error:  # every failure is reported, the rest still run
            failures += 1
            print(f"FAIL {name}: {type(error).__name__}: {error}", flush=True)
        return function

    return run


def ask(**options):
    return client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": QUESTION}], **options
    )


@check("models")
def models():
    ids = [model.id for model in client.models.list()]
    assert ids == [MODEL], ids
    assert client.models.retrieve(MODEL).id == MODEL


@check("greedy answer")
def greedy_answer():
    completion = ask(temperature=0, max_tokens=32)
    choice = completion.choices[0]
    assert "Paris" in choice.message.content, choice.message.content
    assert choice.message.role == "assistant"
    assert choice.finish_reason == "stop", choice.finish_reason
    assert completion.model == MODEL
    assert completion.object == "chat.completion"
    assert completion.id.startswith("chatcmpl-"), completion.id
    usage = completion.usage
    assert usage.prompt_tokens > 10 and usage.completion_tokens > 3, usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens, usage


@check("content parts and a system message")
def content_parts():
    completion = client.chat.completions.create(
        model=MODEL,
        temperature=0,
        max_completion_tokens=32,
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": [{"type": "text", "text": QUESTION}]},
        ],
    )
    assert "Paris" in completion.choices[0].message.content, completion.choices[0]


@check("streaming")
def streaming():
    stream = ask(temperature=0, max_tokens=32, stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant", chunks[0]
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert "Paris" in text, text
    finishes = [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices]
    assert finishes[-1] == "stop" and not any(finishes[:-1]), finishes
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 3, chunks[-1]
    assert all(chunk.usage is None for chunk in chunks[:-1])
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert len({chunk.id for chunk in chunks}) == 1


@check("streaming matches the whole answer")
def streaming_matches():
    whole = ask(temperature=0, max_tokens=24).choices[0].message.content
    pieces = ask(temperature=0, max_tokens=24, stream=True)
    streamed = "".join(chunk.choices[0].delta.content or "" for chunk in pieces)
    assert streamed == whole, (streamed, whole)


@check("length limit")
def length_limit():
    completion = ask(temperature=0, max_tokens=3)
    assert completion.choices[0].finish_reason == "length", completion.choices[0]
    assert completion.usage.completion_tokens == 3, completion.usage


@check("stop sequence")
def stop_sequence():
    full = ask(temperature=0, max_tokens=32).choices[0].message.content
    cut = ask(temperature=0, max_tokens=32, stop=["France"]).choices[0]
    assert cut.finish_reason == "stop"
    assert cut.message.content == full[: full.index("France")], (cut.message.content, full)
    streamed = "".join(
        chunk.choices[0].delta.content or ""
        for chunk in ask(temperature=0, max_tokens=32, stop="France", stream=True)
    )
    assert streamed == cut.message.content, streamed


@check("seed")
def seed():
    answers = [ask(temperature=0.7, seed=42, max_tokens=24).choices[0].message.content for _ in "ab"]
    assert answers[0] == answers[1], answers
    assert len(answers[0]) > 0


@check("completions")
def completions():
    completion = client.completions.create(
        model=MODEL, prompt="Once upon a time", temperature=0, max_tokens=8
    )
    choice = completion.choices[0]
    assert completion.object == "text_completion"
    assert len(choice.text) > 5 and choice.finish_reason == "length", choice
    assert completion.usage.completion_tokens == 8, completion.usage
    streamed = "".join(
        chunk.choices[0].text
        for chunk in client.completions.create(
            model=MODEL, prompt="Once upon a time", temperature=0, max_tokens=8, stream=True
        )
        if chunk.choices
    )
    assert streamed == choice.text, (streamed, choice.text)


@check("unknown model")
def unknown_model():
    try:
        client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Hi"}], max_tokens=2
        )
    except openai.NotFoundError as error:
        assert error.code == "model_not_found", error.body
        return
    raise AssertionError("no error")


@check("prompt over the context")
def over_the_context():
    try:
        client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "word " * 5000}], max_tokens=2
        )
    except openai.BadRequestError as error:
        assert error.code == "context_length_exceeded", error.body
        assert error.param == "messages", error.body
        return
    raise AssertionError("no error")


@check("bad parameter")
def bad_parameter():
    try:
        ask(temperature=5)
    except openai.BadRequestError as error:
        assert error.param == "temperature", error.body
        return
    raise AssertionError("no error")


sys.exit(failures)
