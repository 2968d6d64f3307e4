extension Tokenizer {
  /// A stretch of the input: plain text (a byte range) or a special token
  /// found in it.
  enum Fragment {
    case text(Range<Int>)
    case token(Int32)
  }

  /// The token ids of `text`.
  ///
  /// - Parameters:
  ///   - parseSpecial: recognise control tokens such as `<|im_start|>`
  ///     written in the text as single tokens. User-defined tokens are
  ///     always recognised. Turn this off for text a person typed that must
  ///     not steer the conversation.
  ///   - addSpecial: add the beginning- and end-of-sequence tokens the model
  ///     asks for (`addsBeginningOfSequence`, `addsEndOfSequence`).
  public func encode(_ text: String, parseSpecial: Bool = true, addSpecial: Bool = false)
    -> [Int32]
  {
    var output: [Int32] = []
    if addSpecial, addsBeginningOfSequence, let beginningOfSequence {
      output.append(beginningOfSequence)
    }
    let bytes = Array(text.utf8)
    if !bytes.isEmpty {
      let fragments = partition(bytes, parseSpecial: parseSpecial)
      switch model {
      case .bytePair: encodeBytePair(bytes, fragments, into: &output)
      case .sentencePiece: encodeSentencePiece(bytes, fragments, into: &output)
      }
    }
    if addSpecial, addsEndOfSequence, let endOfSequence { output.append(endOfSequence) }
    return output
  }

  /// Cuts the special tokens out of the text, longest token first over the
  /// whole text (llama.cpp's order, which decides overlapping matches).
  func partition(_ bytes: [UInt8], parseSpecial: Bool) -> [Fragment] {
    var fragments: [Fragment] = [.text(0..<bytes.count)]
    var next: [Fragment] = []
    for (token, pattern) in specialTokens {
      guard parseSpecial || vocabulary.kind(token) == .userDefined, let first = pattern.first
      else { continue }
      next.removeAll(keepingCapacity: true)
      var changed = false
      for fragment in fragments {
        guard case .text(let range) = fragment else {
          next.append(fragment)
          continue
        }
        var start = range.lowerBound
        var position = range.lowerBound
        let lastStart = range.upperBound - pattern.count
        while position <= lastStart {
          guard bytes[position] == first, Self.matches(pattern, in: bytes, at: position) else {
            position += 1
            continue
          }
          if start < position { next.append(.text(start..<position)) }
          next.append(.token(token))
          changed = true
          position += pattern.count
          if stripsFollowingSpace.contains(token) {
            while position < range.upperBound, Self.isASCIISpace(bytes[position]) { position += 1 }
          }
          start = position
        }
        if start < range.upperBound { next.append(.text(start..<range.upperBound)) }
      }
      if changed { swap(&fragments, &next) }
    }
    return fragments
  }

  private static func matches(_ pattern: [UInt8], in bytes: [UInt8], at position: Int) -> Bool {
    for index in 1..<pattern.count where bytes[position + index] != pattern[index] {
      return false
    }
    return true
  }

  private static func isASCIISpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || (0x09...0x0D).contains(byte)
  }

  private func encodeBytePair(_ bytes: [UInt8], _ fragments: [Fragment], into output: inout [Int32])
  {
    guard let encoder = bytePairEncoder, let preTokenizer else { return }
    var session = BytePairSession()
    for fragment in fragments {
      switch fragment {
      case .token(let token):
        output.append(token)
      case .text(let range):
        // Scalars of the fragment with their byte offsets, so each piece
        // is a slice of the input bytes.
        var scalars: [Unicode.Scalar] = []
        var offsets: [Int] = []
        var offset = range.lowerBound
        for scalar in String(decoding: bytes[range], as: UTF8.self).unicodeScalars {
          scalars.append(scalar)
          offsets.append(offset)
          offset += UTF8.width(scalar)
        }
        offsets.append(offset)
        for piece in preTokenizer.split(scalars) {
          session.encode(
            bytes[offsets[piece.lowerBound]..<offsets[piece.upperBound]], with: encoder,
            vocabulary: vocabulary, into: &output)
        }
      }
    }
  }

  private func encodeSentencePiece(
    _ bytes: [UInt8], _ fragments: [Fragment], into output: inout [Int32]
  ) {
    guard let encoder = sentencePieceEncoder else { return }
    var session = SentencePieceSession()
    // The first text, and text after a special token, gets the space prefix.
    var afterSpecial = true
    for fragment in fragments {
      switch fragment {
      case .token(let token):
        output.append(token)
        afterSpecial = true
      case .text(let range):
        var escaped: [UInt8] = []
        escaped.reserveCapacity(range.count + 8)
        if addsSpacePrefix, afterSpecial { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) }
        for byte in bytes[range] {
          if byte == 0x20 {
            escaped.append(contentsOf: [0xE2, 0x96, 0x81])
          } else {
            escaped.append(byte)
          }
        }
        session.encode(escaped, with: encoder, vocabulary: vocabulary, into: &output)
        afterSpecial = false
      }
    }
  }
}
