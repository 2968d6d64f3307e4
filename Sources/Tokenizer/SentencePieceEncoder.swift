/// SentencePiece-style encoding (`tokenizer.ggml.model = llama`): the text,
/// with spaces written as "▁", starts as one symbol per character, and the
/// neighbouring pair whose joined text is the token with the highest score is
/// joined until no pair forms a token. Characters left without a token are
/// written as `<0xNN>` byte tokens, or the unknown token.
struct SentencePieceEncoder: Sendable {
  /// The token for each byte: `<0xNN>`, else the byte as a one-character
  /// token, else the unknown token, else -1.
  let byteTokens: [Int32]

  init(vocabulary: Vocabulary, unknown: Int32?) {
    let hexadecimal = Array("0123456789ABCDEF")
    byteTokens = (0..<256).map { byte in
      let name = "<0x\(hexadecimal[byte >> 4])\(hexadecimal[byte & 15])>"
      if let token = vocabulary.identifiers[name] { return token }
      if byte < 128, let token = vocabulary.identifiers[String(UnicodeScalar(UInt8(byte)))] {
        return token
      }
      return unknown ?? -1
    }
  }
}

/// Working memory for one encoding.
struct SentencePieceSession {
  private struct Candidate: Prioritized {
    let score: Float
    let left: Int32
    let right: Int32
    let byteCount: Int32

    /// Higher score first; on a tie the leftmost pair.
    func precedes(_ other: Candidate) -> Bool {
      score != other.score ? score > other.score : left < other.left
    }
  }

  private var starts: [Int32] = []
  private var lengths: [Int32] = []
  private var previous: [Int32] = []
  private var next: [Int32] = []
  private var heap = PriorityQueue<Candidate>()

  /// Encodes `bytes` (valid UTF-8, spaces already escaped).
  mutating func encode(
    _ bytes: [UInt8], with encoder: SentencePieceEncoder, vocabulary: Vocabulary,
    into output: inout [Int32]
  ) {
    guard !bytes.isEmpty else { return }
    starts.removeAll(keepingCapacity: true)
    lengths.removeAll(keepingCapacity: true)
    previous.removeAll(keepingCapacity: true)
    next.removeAll(keepingCapacity: true)
    heap.removeAll()
    var offset = 0
    while offset < bytes.count {
      let length = min(Self.sequenceLength(bytes[offset]), bytes.count - offset)
      let index = Int32(starts.count)
      starts.append(Int32(offset))
      lengths.append(Int32(length))
      previous.append(index - 1)
      offset += length
      next.append(offset < bytes.count ? index + 1 : -1)
    }
    for index in 1..<starts.count {
      consider(Int32(index - 1), Int32(index), bytes, vocabulary)
    }
    while let candidate = heap.popFirst() {
      let left = Int(candidate.left)
      let right = Int(candidate.right)
      // Skip pairs that an earlier merge has changed.
      guard lengths[left] > 0, lengths[right] > 0,
        lengths[left] + lengths[right] == candidate.byteCount
      else { continue }
      lengths[left] += lengths[right]
      lengths[right] = 0
      next[left] = next[right]
      if next[right] >= 0 { previous[Int(next[right])] = candidate.left }
      if previous[left] >= 0 { consider(previous[left], candidate.left, bytes, vocabulary) }
      if next[left] >= 0 { consider(candidate.left, next[left], bytes, vocabulary) }
    }
    var index: Int32 = 0
    while index >= 0 {
      let start = Int(starts[Int(index)])
      let piece = bytes[start..<start + Int(lengths[Int(index)])]
      if let token = vocabulary.identifiers.token(piece) {
        output.append(token)
      } else {
        for byte in piece where encoder.byteTokens[Int(byte)] >= 0 {
          output.append(encoder.byteTokens[Int(byte)])
        }
      }
      index = next[Int(index)]
    }
  }

  private static func sequenceLength(_ lead: UInt8) -> Int {
    switch lead >> 4 {
    case 0xC, 0xD: 2
    case 0xE: 3
    case 0xF: 4
    default: 1
    }
  }

  private mutating func consider(
    _ left: Int32, _ right: Int32, _ bytes: [UInt8], _ vocabulary: Vocabulary
  ) {
    let start = Int(starts[Int(left)])
    let byteCount = Int(lengths[Int(left)] + lengths[Int(right)])
    guard let token = vocabulary.identifiers.token(bytes[start..<start + byteCount]) else { return }
    let candidate = Candidate(
      score: vocabulary.scores[Int(token)], left: left, right: right, byteCount: Int32(byteCount))
    heap.push(candidate)
  }
}
