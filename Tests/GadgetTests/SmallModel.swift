import Foundation
import GGUF

/// A small random-weight llama model as a real GGUF file, for the USB
/// end-to-end test: the engine runs it like any other model, but fast enough
/// under an emulated CPU. Its answers are noise, which is all the test needs.
enum SmallModel {
  static func write(to path: String) throws {
    let dimension = 64
    let headCount = 4
    let keyValueHeadCount = 2
    let keyValueDimension = keyValueHeadCount * (dimension / headCount)
    let feedForward = 128
    let layerCount = 2

    // SentencePiece vocabulary: control tokens, the 256 byte tokens any text
    // falls back to, and printable ASCII as single pieces.
    var tokens = ["<unk>", "<s>", "</s>"]
    var types: [Int32] = [2, 3, 3]
    for byte in 0..<256 {
      tokens.append("<0x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2) + ">")
      types.append(6)
    }
    tokens.append("▁")
    types.append(1)
    for scalar in 33..<127 {
      tokens.append(String(UnicodeScalar(UInt8(scalar))))
      types.append(1)
    }

    var writer = GGUFWriter()
    writer.set("general.architecture", .string("llama"))
    writer.set("general.name", .string("small test llama"))
    writer.set("llama.embedding_length", .uint32(UInt32(dimension)))
    writer.set("llama.block_count", .uint32(UInt32(layerCount)))
    writer.set("llama.feed_forward_length", .uint32(UInt32(feedForward)))
    writer.set("llama.attention.head_count", .uint32(UInt32(headCount)))
    writer.set("llama.attention.head_count_kv", .uint32(UInt32(keyValueHeadCount)))
    writer.set("llama.context_length", .uint32(1024))
    writer.set("llama.rope.freq_base", .float32(10000))
    writer.set("llama.attention.layer_norm_rms_epsilon", .float32(1e-5))
    writer.set("tokenizer.ggml.model", .string("llama"))
    writer.set("tokenizer.ggml.tokens", strings: tokens)
    writer.set("tokenizer.ggml.scores", floats: tokens.indices.map { -Float($0) })
    writer.set("tokenizer.ggml.token_type", int32s: types)
    writer.set("tokenizer.ggml.bos_token_id", .uint32(1))
    writer.set("tokenizer.ggml.eos_token_id", .uint32(2))

    var state: UInt64 = 7
    func random(_ count: Int, scale: Float) -> [Float] {
      (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23) * scale
      }
    }
    func add(_ name: String, _ dimensions: [Int], scale: Float) {
      writer.addTensor(
        name, dimensions: dimensions, floats: random(dimensions.reduce(1, *), scale: scale))
    }
    add("token_embd.weight", [dimension, tokens.count], scale: 1)
    for layer in 0..<layerCount {
      let prefix = "blk.\(layer)."
      add(prefix + "attn_norm.weight", [dimension], scale: 1)
      add(prefix + "attn_q.weight", [dimension, dimension], scale: 0.3)
      add(prefix + "attn_k.weight", [dimension, keyValueDimension], scale: 0.3)
      add(prefix + "attn_v.weight", [dimension, keyValueDimension], scale: 0.3)
      add(prefix + "attn_output.weight", [dimension, dimension], scale: 0.3)
      add(prefix + "ffn_norm.weight", [dimension], scale: 1)
      add(prefix + "ffn_gate.weight", [dimension, feedForward], scale: 0.3)
      add(prefix + "ffn_up.weight", [dimension, feedForward], scale: 0.3)
      add(prefix + "ffn_down.weight", [feedForward, dimension], scale: 0.3)
    }
    add("output_norm.weight", [dimension], scale: 1)
    try Data(writer.bytes()).write(to: URL(fileURLWithPath: path))
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    String(repeating: "0", count: max(0, width - count)) + self
  }
}
