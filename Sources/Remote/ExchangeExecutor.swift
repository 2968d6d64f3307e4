import Dispatch

/// Runs the task that carries a remote exchange on a dispatch queue of its own, not on Swift
/// concurrency's shared pool. The engine's caller blocks its thread while it waits for the
/// pieces; the shared pool is only as wide as the cores (one to four on a board), so callers
/// blocked on it could leave no thread to run the exchange itself, and every question would
/// wait out the first-piece timeout. A dispatch queue gets a thread of its own when needed.
final class ExchangeExecutor: TaskExecutor {
  static let shared = ExchangeExecutor()
  private let queue = DispatchQueue(label: "aistick.remote-exchange")

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
  }
}
