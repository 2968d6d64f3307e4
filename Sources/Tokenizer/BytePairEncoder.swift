/// Byte-level BPE: a piece starts as one token per byte and the pair of
/// neighbours with the lowest merge rank is joined until no pair has a merge.
/// Pairs are keyed by token ids, so the hot loop touches no strings, and a
/// heap picks the next merge, so a long piece costs O(n log n).
struct BytePairEncoder: Sendable {
  let merges: MergeTable
  /// The token of each single byte, or -1 when the vocabulary lacks it.
  let byteTokens: [Int32]
  /// Llama 3 style: a piece that is itself a token is taken whole.
  let ignoresMerges: Bool

  init(vocabulary: Vocabulary, merges rules: [String], ignoresMerges: Bool) throws(TokenizerError) {
    var merges = MergeTable(capacity: rules.count)
    var joined: [UInt8] = []
    for (rank, rule) in rules.enumerated() {
      var rule = rule
      let entry: (left: Int32, right: Int32, result: Int32)?? = rule.withUTF8 { bytes in
        // The first token may itself be a space-like character, so the
        // separator is searched from the second byte on.
        guard bytes.count > 1,
          let separator = bytes[1...].firstIndex(of: UInt8(ascii: " "))
        else { return .none }
        let left = UnsafeBufferPointer(rebasing: bytes[..<separator])
        let right = UnsafeBufferPointer(rebasing: bytes[(separator + 1)...])
        joined.removeAll(keepingCapacity: true)
        joined.append(contentsOf: left)
        joined.append(contentsOf: right)
        // A merge whose parts or result are not tokens can never apply to
        // token ids; it is left out.
        guard let leftToken = vocabulary.identifiers.token(left),
          let rightToken = vocabulary.identifiers.token(right),
          let result = vocabulary.identifiers.token(joined)
        else { return .some(nil) }
        return .some((leftToken, rightToken, result))
      }
      guard let entry else { throw .badMerge(index: rank, text: rule) }
      guard let (left, right, result) = entry else { continue }
      merges.insert(left, right, MergeTable.Merge(rank: Int32(rank), result: result))
    }
    self.merges = merges
    self.byteTokens = ByteLevelMapping.scalarForByte.map { scalar in
      vocabulary.identifiers[String(scalar)] ?? -1
    }
    self.ignoresMerges = ignoresMerges
  }

  func merge(_ left: Int32, _ right: Int32) -> MergeTable.Merge? {
    merges.merge(left, right)
  }
}

/// Working memory for encoding many pieces, reused between them.
struct BytePairSession {
  private struct Candidate: Prioritized {
    let rank: Int32
    let left: Int32
    let right: Int32
    let leftToken: Int32
    let rightToken: Int32

    /// Lower rank first; on a tie the leftmost pair.
    func precedes(_ other: Candidate) -> Bool {
      rank != other.rank ? rank < other.rank : left < other.left
    }
  }

  private var tokens: [Int32] = []
  private var previous: [Int32] = []
  private var next: [Int32] = []
  private var heap = PriorityQueue<Candidate>()

  mutating func encode(
    _ bytes: ArraySlice<UInt8>, with encoder: BytePairEncoder, vocabulary: Vocabulary,
    into output: inout [Int32]
  ) {
    guard !bytes.isEmpty else { return }
    if encoder.ignoresMerges, bytes.count > 1,
      let whole = vocabulary.identifiers[ByteLevelMapping.encode(bytes)]
    {
      output.append(whole)
      return
    }
    let count = bytes.count
    tokens.removeAll(keepingCapacity: true)
    previous.removeAll(keepingCapacity: true)
    next.removeAll(keepingCapacity: true)
    heap.removeAll()
    for (index, byte) in bytes.enumerated() {
      tokens.append(encoder.byteTokens[Int(byte)])
      previous.append(Int32(index) - 1)
      next.append(index + 1 < count ? Int32(index + 1) : -1)
    }
    for index in 1..<count {
      consider(Int32(index - 1), Int32(index), encoder)
    }
    while let candidate = heap.popFirst() {
      let left = Int(candidate.left)
      let right = Int(candidate.right)
      // Skip pairs that an earlier merge has changed.
      guard tokens[left] == candidate.leftToken, tokens[right] == candidate.rightToken,
        next[left] == candidate.right, let merge = encoder.merge(tokens[left], tokens[right])
      else { continue }
      tokens[left] = merge.result
      tokens[right] = -1
      let after = next[right]
      next[left] = after
      next[right] = -1
      previous[right] = -1
      if after >= 0 { previous[Int(after)] = candidate.left }
      if previous[left] >= 0 { consider(previous[left], candidate.left, encoder) }
      if after >= 0 { consider(candidate.left, after, encoder) }
    }
    var index: Int32 = 0
    while index >= 0 {
      // A byte missing from the vocabulary has no token and is dropped.
      if tokens[Int(index)] >= 0 { output.append(tokens[Int(index)]) }
      index = next[Int(index)]
    }
  }

  private mutating func consider(_ left: Int32, _ right: Int32, _ encoder: BytePairEncoder) {
    let leftToken = tokens[Int(left)]
    let rightToken = tokens[Int(right)]
    guard leftToken >= 0, rightToken >= 0, let merge = encoder.merge(leftToken, rightToken)
    else { return }
    heap.push(
      Candidate(
        rank: merge.rank, left: left, right: right, leftToken: leftToken, rightToken: rightToken))
  }
}
