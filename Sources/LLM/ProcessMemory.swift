import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// How much memory this process holds: what a board with 512 MB must fit.
/// Mapped weight pages count once they have been read.
public enum ProcessMemory {
  /// The most resident memory the process has held so far, in bytes.
  public static func peakResidentBytes() -> Int {
    var usage = rusage()
    #if canImport(Glibc)
      let who = RUSAGE_SELF.rawValue  // an enum in glibc, a plain macro elsewhere
    #else
      let who = RUSAGE_SELF
    #endif
    guard getrusage(who, &usage) == 0 else { return 0 }
    #if canImport(Darwin)
      return Int(usage.ru_maxrss)  // bytes on Darwin
    #else
      return Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
    #endif
  }

  /// The resident memory now, in bytes, from /proc/self/statm (Linux); nil
  /// where that file is missing or unreadable.
  public static func currentResidentBytes() -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else {
      return nil
    }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
  }
}
