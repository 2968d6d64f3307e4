#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// How the next token is chosen from the logits.
public struct SamplingOptions: Sendable, Equatable {
  /// 0 picks the most likely token every time (greedy).
  public var temperature: Float = 0.7
  /// Keep only the k most likely tokens; 0 keeps all.
  public var topK: Int = 40
  /// Keep the smallest set of tokens whose probability reaches p; 1 keeps all.
  public var topP: Float = 0.95
  /// Drop tokens less likely than this fraction of the most likely one; 0 keeps all.
  public var minP: Float = 0.05
  /// Divides positive (multiplies negative) logits of recently seen tokens; 1 is off.
  public var repetitionPenalty: Float = 1.0
  /// How many recent tokens the repetition penalty looks at.
  public var repetitionWindow: Int = 64
  /// The same seed, prompt and options give the same answer; nil picks one.
  public var seed: UInt64?

  public init() {}

  public static var greedy: SamplingOptions {
    var options = SamplingOptions()
    options.temperature = 0
    return options
  }
}

/// xoshiro256**: small, fast, and the same sequence on every platform for a seed.
struct RandomSource {
  private var state: (UInt64, UInt64, UInt64, UInt64)

  init(seed: UInt64) {
    // SplitMix64 spreads the seed over the four words.
    var z = seed
    func next() -> UInt64 {
      z &+= 0x9E37_79B9_7F4A_7C15
      var x = z
      x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
      x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
      return x ^ (x >> 31)
    }
    state = (next(), next(), next(), next())
  }

  mutating func next() -> UInt64 {
    let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = state.3 << 45 | state.3 >> 19
    return result
  }

  /// A float in [0, 1).
  mutating func nextUnit() -> Float { Float(next() >> 40) * 0x1p-24 }
}

/// Chooses tokens. Its candidate buffer is allocated once for the vocabulary.
public struct Sampler {
  public let options: SamplingOptions
  /// The seed in use (chosen at random when the options give none).
  public let seed: UInt64
  private var random: RandomSource
  private var candidates: [(token: Int32, logit: Float)]

  public init(vocabularySize: Int, options: SamplingOptions) {
    self.options = options
    seed = options.seed ?? UInt64.random(in: 0...UInt64.max)
    random = RandomSource(seed: seed)
    candidates = []
    candidates.reserveCapacity(vocabularySize)
  }

  /// Picks the next token from `logits` (which may be changed), given the
  /// tokens so far for the repetition penalty.
  public mutating func sample(
    logits: UnsafeMutablePointer<Float>, count: Int, history: ArraySlice<Int32>
  ) -> Int32 {
    if options.repetitionPenalty != 1, options.repetitionWindow > 0 {
      var seen = Set<Int32>()
      for token in history.suffix(options.repetitionWindow) where seen.insert(token).inserted {
        let index = Int(token)
        guard index >= 0, index < count else { continue }
        let logit = logits[index]
        logits[index] =
          logit > 0 ? logit / options.repetitionPenalty : logit * options.repetitionPenalty
      }
    }
    if options.temperature <= 0 { return Self.argmax(logits, count: count) }

    candidates.removeAll(keepingCapacity: true)
    for index in 0..<count { candidates.append((Int32(index), logits[index])) }
    let keep = options.topK > 0 ? min(options.topK, count) : count
    if keep < count {
      // Only the best `keep` need ordering: partition them to the front.
      candidates.withUnsafeMutableBufferPointer { buffer in
        Self.selectLargest(buffer, count: keep)
      }
      candidates.removeSubrange(keep...)
    }
    candidates.sort { $0.logit > $1.logit }

    // Probabilities at this temperature.
    let largest = candidates[0].logit
    var total: Float = 0
    for index in candidates.indices {
      let weight = expf((candidates[index].logit - largest) / options.temperature)
      candidates[index].logit = weight
      total += weight
    }
    var cut = candidates.count
    if options.topP < 1 {
      var cumulative: Float = 0
      for index in candidates.indices {
        cumulative += candidates[index].logit / total
        if cumulative >= options.topP {
          cut = index + 1
          break
        }
      }
    }
    if options.minP > 0 {
      let threshold = options.minP * candidates[0].logit
      var index = 1
      while index < cut, candidates[index].logit >= threshold { index += 1 }
      cut = index
    }
    var kept: Float = 0
    for index in 0..<cut { kept += candidates[index].logit }
    var target = random.nextUnit() * kept
    for index in 0..<cut {
      target -= candidates[index].logit
      if target < 0 { return candidates[index].token }
    }
    return candidates[cut - 1].token
  }

  /// The index of the largest logit; the lowest index wins a tie.
  public static func argmax(_ logits: UnsafePointer<Float>, count: Int) -> Int32 {
    var best = 0
    for index in 1..<max(count, 1) where logits[index] > logits[best] { best = index }
    return Int32(best)
  }

  /// Moves the `count` largest logits to the front (in no order), by quickselect.
  private static func selectLargest(
    _ buffer: UnsafeMutableBufferPointer<(token: Int32, logit: Float)>, count: Int
  ) {
    var low = 0
    var high = buffer.count - 1
    while low < high {
      let pivot = buffer[(low + high) / 2].logit
      var left = low
      var right = high
      while left <= right {
        while buffer[left].logit > pivot { left += 1 }
        while buffer[right].logit < pivot { right -= 1 }
        if left <= right {
          buffer.swapAt(left, right)
          left += 1
          right -= 1
        }
      }
      if count - 1 <= right {
        high = right
      } else if count - 1 >= left {
        low = left
      } else {
        return
      }
    }
  }
}
