import Foundation
import Synchronization

/// Splits work over a fixed number of threads that live as long as the pool.
///
/// A token's forward pass is a few hundred short products of some tens of
/// microseconds each: waking threads through the system for every one would
/// cost as much as the work. So helpers spin on a shared counter for a
/// while after each piece of work and only then sleep; the caller runs the
/// first part itself. One caller at a time.
public final class WorkerPool: Sendable {
  public let threads: Int
  private let crew: Crew

  public init(threads: Int) {
    self.threads = max(1, threads)
    crew = Crew(helpers: self.threads - 1)
    for helper in 1..<self.threads {
      let crew = crew
      let thread = Thread { crew.runHelper(part: helper) }
      thread.name = "aistick-worker-\(helper)"
      thread.start()
    }
  }

  deinit { crew.stop() }

  /// Calls `body` with disjoint row ranges covering `0..<count`, one range
  /// per thread, and returns when all are done.
  public func forEachRange(
    count: Int, minimumPerThread: Int = 16, _ body: (Range<Int>) -> Void
  ) {
    let parts = min(threads, max(1, count / minimumPerThread))
    if parts == 1 {
      body(0..<count)
      return
    }
    crew.run(count: count, parts: parts, body)
  }
}

/// The state the caller and the helpers share. Helpers keep it alive, so
/// it outlives the pool until they have seen the stop.
private final class Crew: @unchecked Sendable {
  let helpers: Int
  /// Bumped for each piece of work; helpers start when it changes.
  let generation = Atomic<Int>(0)
  /// Helpers still running the current piece of work.
  let pending = Atomic<Int>(0)
  /// Helpers asleep (or about to be) on `wake`. Read after bumping
  /// `generation` and written before re-reading it: sequentially consistent
  /// on both sides, so a helper never sleeps through new work.
  let sleepers = Atomic<Int>(0)
  let stopping = Atomic<Bool>(false)
  let wake = NSCondition()
  /// The current piece of work. Written by the caller before `generation`
  /// is bumped and read by helpers after they see the bump; the atomic
  /// orders every access.
  nonisolated(unsafe) var work: Work?

  struct Work {
    let count: Int
    let parts: Int
    let body: (Range<Int>) -> Void
  }

  /// Checks of the counter before a helper sleeps: some hundreds of
  /// microseconds, longer than the gaps within a token and between tokens.
  static let spinsBeforeSleeping = 50_000

  init(helpers: Int) { self.helpers = helpers }

  func run(count: Int, parts: Int, _ body: (Range<Int>) -> Void) {
    withoutActuallyEscaping(body) { body in
      work = Work(count: count, parts: parts, body: body)
      pending.store(helpers, ordering: .relaxed)
      generation.add(1, ordering: .sequentiallyConsistent)
      wakeSleepers()
      body(0..<count / parts)
      var spins = 0
      while pending.load(ordering: .acquiring) > 0 { Self.pause(&spins) }
      work = nil
    }
  }

  func stop() {
    stopping.store(true, ordering: .relaxed)
    generation.add(1, ordering: .sequentiallyConsistent)
    wakeSleepers()
  }

  private func wakeSleepers() {
    guard sleepers.load(ordering: .sequentiallyConsistent) > 0 else { return }
    wake.lock()
    wake.broadcast()
    wake.unlock()
  }

  /// Spins, but gives the core away now and then: when the machine has
  /// more busy threads than cores, the thread being waited for may need it.
  @inline(__always)
  static func pause(_ spins: inout Int) {
    spins += 1
    if spins % 64 == 0 { sched_yield() }
  }

  func runHelper(part: Int) {
    var seen = 0
    while true {
      var spins = 0
      while generation.load(ordering: .acquiring) == seen {
        guard spins >= Self.spinsBeforeSleeping else {
          Self.pause(&spins)
          continue
        }
        wake.lock()
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while generation.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
        sleepers.subtract(1, ordering: .relaxed)
        wake.unlock()
        spins = 0
      }
      seen = generation.load(ordering: .acquiring)
      if stopping.load(ordering: .relaxed) { return }
      if let work, part < work.parts {
        work.body(work.count * part / work.parts..<work.count * (part + 1) / work.parts)
      }
      pending.subtract(1, ordering: .releasing)
    }
  }
}

/// Raw buffers shared by worker threads, which write disjoint parts only.
public struct Shared<Value>: @unchecked Sendable {
  public let value: Value
  public init(_ value: Value) { self.value = value }
}
