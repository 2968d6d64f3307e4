import Dispatch

/// Splits work over a fixed number of threads.
public final class WorkerPool: Sendable {
  public let threads: Int

  public init(threads: Int) {
    self.threads = max(1, threads)
  }

  /// Calls `body` with disjoint row ranges covering `0..<count`, one range
  /// per thread, and returns when all are done.
  public func forEachRange(
    count: Int, minimumPerThread: Int = 16, _ body: @Sendable (Range<Int>) -> Void
  ) {
    let parts = min(threads, max(1, count / minimumPerThread))
    if parts == 1 {
      body(0..<count)
      return
    }
    DispatchQueue.concurrentPerform(iterations: parts) { part in
      body(count * part / parts..<count * (part + 1) / parts)
    }
  }
}

/// Raw buffers shared by worker threads, which write disjoint parts only.
public struct Shared<Value>: @unchecked Sendable {
  public let value: Value
  public init(_ value: Value) { self.value = value }
}
