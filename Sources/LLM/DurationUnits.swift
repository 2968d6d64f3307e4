extension Duration {
  /// The duration in seconds, as a floating-point number.
  public var inSeconds: Double {
    Double(components.seconds) + Double(components.attoseconds) * 1e-18
  }

  /// The duration in whole milliseconds, for logs and figures.
  public var inMilliseconds: Int {
    Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
  }
}
