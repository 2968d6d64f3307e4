/// Mean and spread of repeated measurements. The spread is the sample
/// standard deviation (divided by n - 1), as llama-bench reports it, so the
/// two tools' figures can be set side by side.
public struct SampleStatistics: Sendable, Equatable {
  public let samples: [Double]

  public init(_ samples: [Double]) {
    self.samples = samples
  }

  public var count: Int { samples.count }

  /// The arithmetic mean; 0 for no samples.
  public var mean: Double {
    samples.isEmpty ? 0 : samples.reduce(0, +) / Double(samples.count)
  }

  /// The sample standard deviation; 0 below two samples, where it says nothing.
  public var standardDeviation: Double {
    guard samples.count > 1 else { return 0 }
    let mean = mean
    let squares = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    return (squares / Double(samples.count - 1)).squareRoot()
  }
}
