/// An element that knows whether it should come out of a queue before another.
protocol Prioritized {
  func precedes(_ other: Self) -> Bool
}

/// A binary heap: the merge loops pop the best pair in O(log n).
struct PriorityQueue<Element: Prioritized> {
  private var storage: [Element] = []

  mutating func removeAll() { storage.removeAll(keepingCapacity: true) }

  mutating func push(_ element: Element) {
    storage.append(element)
    var child = storage.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard storage[child].precedes(storage[parent]) else { break }
      storage.swapAt(child, parent)
      child = parent
    }
  }

  mutating func popFirst() -> Element? {
    guard let first = storage.first else { return nil }
    let last = storage.removeLast()
    if !storage.isEmpty {
      storage[0] = last
      var parent = 0
      while true {
        let left = 2 * parent + 1
        let right = left + 1
        var best = parent
        if left < storage.count, storage[left].precedes(storage[best]) { best = left }
        if right < storage.count, storage[right].precedes(storage[best]) { best = right }
        if best == parent { break }
        storage.swapAt(parent, best)
        parent = best
      }
    }
    return first
  }
}
