"""A plain forward pass of a GGUF decoder, written from the architectures'
definitions in float64 with numpy, for the tests to hold the engine to.

It reads the file with the reference runtime's own Python package (gguf:
GGUFReader for the tables, gguf.quants.dequantize for the tensors), runs
TOKENS one after another from position 0 and writes the logits of every
position as little-endian float32, position after position.

Supported: llama, qwen2, qwen3, gemma2, gemma3, phi3. Where a GGUF file
leaves a choice open, the choice is llama.cpp's (its defaults for missing
keys, Gemma's query scale, which layers are windowed, LongRoPE's factors
chosen by the context length, no sliding window for phi3).

Usage: forward.py MODEL.gguf [--context N] TOKENS... > logits.f32
"""

import math
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


class Model:
    def __init__(self, path: str, context: int | None) -> None:
        reader = GGUFReader(path)
        self.meta = {name: field.contents() for name, field in reader.fields.items()}
        self.tensors = {}
        for tensor in reader.tensors:
            values = dequantize(tensor.data, tensor.tensor_type)
            shape = tuple(int(n) for n in reversed(tensor.shape))  # rows first
            self.tensors[tensor.name] = np.asarray(values, dtype=np.float64).reshape(shape)

        arch = self.meta["general.architecture"]
        self.arch = arch

        def key(name, default=None):
            return self.meta.get(f"{arch}.{name}", default)

        self.dim = key("embedding_length")
        self.layers = key("block_count")
        self.ff = key("feed_forward_length")
        self.heads = key("attention.head_count")
        self.kv_heads = key("attention.head_count_kv", self.heads)
        self.head_dim = key("attention.key_length", self.dim // self.heads)
        self.eps = key("attention.layer_norm_rms_epsilon")
        trained = key("context_length")
        self.context = context or trained

        base = key("rope.freq_base", 10000.0)
        factor = key("rope.scaling.factor", 1.0)
        linear = key("rope.scaling.type", "none") == "linear" and factor > 0
        self.rope = (base, 1 / factor if linear else 1.0)
        self.rope_magnitude = key("rope.scaling.attn_factor", 1.0)
        original = key("rope.scaling.original_context_length", trained)
        if "rope_freqs.weight" in self.tensors:
            self.rope_factors = self.tensors["rope_freqs.weight"]
        elif "rope_factors_long.weight" in self.tensors:
            long = self.context > original
            name = "rope_factors_long.weight" if long else "rope_factors_short.weight"
            self.rope_factors = self.tensors[name]
        else:
            self.rope_factors = np.ones(self.head_dim // 2)

        gemma = arch in ("gemma2", "gemma3")
        self.adjacent_pairs = arch == "llama"
        self.embedding_scale = math.sqrt(self.dim) if gemma else 1.0
        self.gelu = gemma
        big = (arch == "gemma2" and self.layers == 46) or (arch == "gemma3" and self.layers == 62)
        self.query_scale = 1 / math.sqrt(self.dim // self.heads if big else self.head_dim)
        self.window = None  # (length, period, local rope)
        self.attention_cap = None
        self.final_cap = None
        if arch == "gemma2":
            self.attention_cap = key("attn_logit_softcapping", 50.0)
            self.final_cap = key("final_logit_softcapping", 30.0)
            self.window = (key("attention.sliding_window", 4096), 2, self.rope)
        elif arch == "gemma3":
            self.attention_cap = key("attn_logit_softcapping")
            self.final_cap = key("final_logit_softcapping")
            length = key("attention.sliding_window", 0)
            if length:
                self.window = (length, 6, (key("rope.freq_base_swa", 10000.0), 1.0))

    def weight(self, name: str) -> np.ndarray:
        return self.tensors[name]

    def norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return x / np.sqrt(np.mean(x * x) + self.eps) * self.weight(name)

    def is_local(self, layer: int) -> bool:
        return self.window is not None and layer % self.window[1] < self.window[1] - 1

    def rotate(self, heads: np.ndarray, position: int, rope) -> np.ndarray:
        """Rotary embedding of (heads, head size) vectors at `position`."""
        base, scale = rope
        half = self.head_dim // 2
        i = np.arange(half)
        angles = position * scale * base ** (-2.0 * i / self.head_dim) / self.rope_factors
        cos = np.cos(angles) * self.rope_magnitude
        sin = np.sin(angles) * self.rope_magnitude
        if self.adjacent_pairs:
            a, b = heads[:, 0::2], heads[:, 1::2]
        else:
            a, b = heads[:, :half], heads[:, half:]
        rotated = np.empty_like(heads)
        if self.adjacent_pairs:
            rotated[:, 0::2], rotated[:, 1::2] = a * cos - b * sin, a * sin + b * cos
        else:
            rotated[:, :half], rotated[:, half:] = a * cos - b * sin, a * sin + b * cos
        return rotated

    def forward(self, tokens: list[int]) -> np.ndarray:
        query_rows = self.heads * self.head_dim
        kv_rows = self.kv_heads * self.head_dim
        group = self.heads // self.kv_heads
        keys = [[] for _ in range(self.layers)]
        values = [[] for _ in range(self.layers)]
        output = self.tensors.get("output.weight", self.weight("token_embd.weight"))
        logits = []
        for position, token in enumerate(tokens):
            x = self.weight("token_embd.weight")[token] * self.embedding_scale
            for layer in range(self.layers):
                p = f"blk.{layer}."
                h = self.norm(x, p + "attn_norm.weight")
                if p + "attn_qkv.weight" in self.tensors:
                    qkv = self.weight(p + "attn_qkv.weight") @ h
                    q, k, v = np.split(qkv, [query_rows, query_rows + kv_rows])
                else:
                    q = self.weight(p + "attn_q.weight") @ h
                    k = self.weight(p + "attn_k.weight") @ h
                    v = self.weight(p + "attn_v.weight") @ h
                for name, vector in (("q", q), ("k", k), ("v", v)):
                    bias = self.tensors.get(p + f"attn_{name}.bias")
                    if bias is not None:
                        vector += bias
                q = q.reshape(self.heads, self.head_dim)
                k = k.reshape(self.kv_heads, self.head_dim)
                if p + "attn_q_norm.weight" in self.tensors:
                    q = np.stack([self.norm(head, p + "attn_q_norm.weight") for head in q])
                    k = np.stack([self.norm(head, p + "attn_k_norm.weight") for head in k])
                local = self.is_local(layer)
                rope = self.window[2] if local else self.rope
                q = self.rotate(q, position, rope)
                k = self.rotate(k, position, rope)
                keys[layer].append(k)
                values[layer].append(v.reshape(self.kv_heads, self.head_dim))

                first = max(0, position - self.window[0] + 1) if local else 0
                attended = np.zeros((self.heads, self.head_dim))
                for head in range(self.heads):
                    kv = head // group
                    past = np.array([keys[layer][t][kv] for t in range(first, position + 1)])
                    scores = past @ q[head] * self.query_scale
                    if self.attention_cap:
                        scores = self.attention_cap * np.tanh(scores / self.attention_cap)
                    weights = np.exp(scores - scores.max())
                    weights /= weights.sum()
                    seen = np.array([values[layer][t][kv] for t in range(first, position + 1)])
                    attended[head] = weights @ seen
                out = self.weight(p + "attn_output.weight") @ attended.reshape(-1)
                if p + "post_attention_norm.weight" in self.tensors:
                    out = self.norm(out, p + "post_attention_norm.weight")
                x = x + out

                f = self.norm(x, p + "ffn_norm.weight")
                if p + "ffn_gate.weight" in self.tensors:
                    gate = self.weight(p + "ffn_gate.weight") @ f
                    up = self.weight(p + "ffn_up.weight") @ f
                else:  # gate rows first, then up rows (Phi-3)
                    gate, up = np.split(self.weight(p + "ffn_up.weight") @ f, 2)
                if self.gelu:
                    inner = math.sqrt(2 / math.pi) * (gate + 0.044715 * gate**3)
                    activated = 0.5 * gate * (1 + np.tanh(inner))
                else:
                    activated = gate / (1 + np.exp(-gate))
                out = self.weight(p + "ffn_down.weight") @ (activated * up)
                if p + "post_ffw_norm.weight" in self.tensors:
                    out = self.norm(out, p + "post_ffw_norm.weight")
                x = x + out
            result = output @ self.norm(x, "output_norm.weight")
            if self.final_cap:
                result = self.final_cap * np.tanh(result / self.final_cap)
            logits.append(result)
        return np.array(logits)


def main() -> None:
    arguments = sys.argv[1:]
    context = None
    if "--context" in arguments:
        index = arguments.index("--context")
        context = int(arguments[index + 1])
        del arguments[index : index + 2]
    model = Model(arguments[0], context)
    logits = model.forward([int(token) for token in arguments[1:]])
    sys.stdout.buffer.write(np.ascontiguousarray(logits, dtype="<f4").tobytes())


if __name__ == "__main__":
    main()
