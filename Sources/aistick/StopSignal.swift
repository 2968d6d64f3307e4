import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Raised by SIGINT or SIGTERM; the service loop checks it between steps,
/// so a stop never lands in the middle of a write.
private let stopRaised = Atomic<Bool>(false)

/// Turns SIGINT and SIGTERM into a flag a service loop checks.
struct StopSignal {
  init() {
    for number in [SIGINT, SIGTERM] {
      // Storing to an atomic is safe inside a signal handler.
      signal(number) { _ in stopRaised.store(true, ordering: .relaxed) }
    }
    // A parent may have started this process with the signals blocked; a stop
    // sent before now is pending, and arrives here once they are unblocked.
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
  }

  var requested: Bool { stopRaised.load(ordering: .relaxed) }

  /// Stops as a signal would: when part of the program cannot go on.
  func request() { stopRaised.store(true, ordering: .relaxed) }

  /// Returns once a stop is requested (or the task is cancelled).
  func wait() async {
    while !requested && !Task.isCancelled {
      try? await Task.sleep(for: .milliseconds(100))
    }
  }
}
