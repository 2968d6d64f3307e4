import Foundation

/// The drive's or a folder's service loop, run on a thread of its own: it
/// blocks between events, which a task must not.
final class FileService: @unchecked Sendable {
  // `@unchecked`: `loop` holds the service, which is not Sendable. It is made
  // on the calling task, handed here once, and from then on used only by the
  // thread `run` starts.
  private let loop: (@escaping () -> Bool) -> Void

  init(_ loop: @escaping (@escaping () -> Bool) -> Void) {
    self.loop = loop
  }

  /// Runs the loop until a stop is requested.
  func run(until stop: StopSignal) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let thread = Thread {
        self.loop { stop.requested }
        continuation.resume()
      }
      thread.name = "files"
      thread.stackSize = 8 << 20
      thread.start()
    }
  }
}
