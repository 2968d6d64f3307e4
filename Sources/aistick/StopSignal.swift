import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Turns SIGINT and SIGTERM into a flag a service loop checks, so a stop
/// never lands in the middle of a write.
final class StopSignal {
  private final class Flag: Sendable {
    let raised = Atomic<Bool>(false)
  }

  private let flag = Flag()
  private let sources: [any DispatchSourceSignal]

  init() {
    let flag = self.flag
    sources = [SIGINT, SIGTERM].map { number in
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { flag.raised.store(true, ordering: .relaxed) }
      source.resume()
      return source
    }
  }

  var requested: Bool { flag.raised.load(ordering: .relaxed) }
}
