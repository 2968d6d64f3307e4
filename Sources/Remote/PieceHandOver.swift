import Dispatch
import Synchronization

/// Carries events from the request's task to the thread the answer is made on, which waits for
/// them with a deadline: engines answer synchronously, on the queue's thread.
///
/// What waits is bounded: the task holds back while more than `limit` bytes wait, so a server
/// that sends faster than the answer is written cannot fill the board's memory.
final class PieceHandOver: Sendable {
  private let state = Mutex(State())
  /// Signalled once for each event sent.
  private let arrived = DispatchSemaphore(value: 0)
  let limit: Int

  private struct State {
    var events: [RemoteEvent] = []
    var next = 0
    var bytes = 0
    var left = false
  }

  init(limit: Int = 1 << 20) {
    self.limit = limit
  }

  /// Hands over `event`; false when the thread no longer listens.
  @discardableResult
  func send(_ event: RemoteEvent) -> Bool {
    let taken = state.withLock { state in
      guard !state.left else { return false }
      state.events.append(event)
      state.bytes += event.size
      return true
    }
    if taken { arrived.signal() }
    return taken
  }

  /// The next event, or nil when none came before `deadline`.
  func next(before deadline: DispatchTime) -> RemoteEvent? {
    guard arrived.wait(timeout: deadline) == .success else { return nil }
    return state.withLock { state in
      let event = state.events[state.next]
      state.next += 1
      state.bytes -= event.size
      if state.next == state.events.count {
        state.events.removeAll(keepingCapacity: true)
        state.next = 0
      }
      return event
    }
  }

  /// The thread stops listening: what is sent from now on is dropped.
  func leave() {
    state.withLock { $0.left = true }
  }

  /// Waits while too much waits to be taken; false when the thread no longer listens.
  func waitForRoom() async -> Bool {
    while true {
      let (full, left) = state.withLock { ($0.bytes > limit, $0.left) }
      if left { return false }
      if !full { return true }
      do {
        try await Task.sleep(for: .milliseconds(5))
      } catch {
        return false
      }
    }
  }
}
