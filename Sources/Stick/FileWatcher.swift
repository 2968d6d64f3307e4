import CInotifyTools
import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif

/// What happened to a watched path (the inotify event bits that matter here).
public struct FileEvents: OptionSet, Sendable {
  public let rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }

  /// Written to (`IN_MODIFY`).
  public static let modified = FileEvents(rawValue: UInt32(IN_MODIFY))
  /// Closed after writing (`IN_CLOSE_WRITE`).
  public static let closedAfterWriting = FileEvents(rawValue: UInt32(IN_CLOSE_WRITE))
  /// Created in a watched folder (`IN_CREATE`).
  public static let created = FileEvents(rawValue: UInt32(IN_CREATE))
  /// Moved into a watched folder (`IN_MOVED_TO`).
  public static let movedIn = FileEvents(rawValue: UInt32(IN_MOVED_TO))
  /// Moved out of a watched folder (`IN_MOVED_FROM`).
  public static let movedOut = FileEvents(rawValue: UInt32(IN_MOVED_FROM))
  /// Deleted from a watched folder (`IN_DELETE`).
  public static let deleted = FileEvents(rawValue: UInt32(IN_DELETE))
  /// The watched item itself was deleted or moved (`IN_DELETE_SELF`, `IN_MOVE_SELF`).
  public static let watchedItemGone = FileEvents(rawValue: UInt32(IN_DELETE_SELF | IN_MOVE_SELF))
  /// The watch was removed (`IN_IGNORED`).
  public static let watchRemoved = FileEvents(rawValue: UInt32(IN_IGNORED))
  /// Events were lost because the kernel's queue overflowed (`IN_Q_OVERFLOW`).
  public static let overflow = FileEvents(rawValue: UInt32(IN_Q_OVERFLOW))
  /// The event is about a directory (`IN_ISDIR`).
  public static let isDirectory = FileEvents(rawValue: UInt32(IN_ISDIR))

  /// Everything a folder watch asks for.
  public static let folderChanges: FileEvents = [
    .modified, .closedAfterWriting, .created, .movedIn, .movedOut, .deleted, .watchedItemGone,
  ]
}

/// One change: the path it concerns (empty for an overflow) and what happened.
public struct FileEvent: Sendable {
  public let path: String
  public let events: FileEvents
  /// Pairs the two halves of a rename (`movedOut` and `movedIn`).
  public var cookie: UInt32 = 0
}

/// Why watching failed.
public struct WatchError: Error, CustomStringConvertible {
  public let path: String
  public let errno: Errno
  public var description: String {
    if errno == .noSpace {
      return "cannot watch \(path): the system's limit of inotify watches is reached "
        + "(raise fs.inotify.max_user_watches)"
    }
    return "cannot watch \(path): \(errno)"
  }
}

/// File system notifications through libinotifytools.
///
/// libinotifytools keeps one inotify instance per process, so this is a
/// single shared watcher: make it once, with every path it should watch.
public final class FileWatcher: @unchecked Sendable {
  private static let initialized: Bool = inotifytools_initialize() != 0

  public init() throws(WatchError) {
    guard Self.initialized else {
      throw WatchError(path: "inotify", errno: Errno(rawValue: inotifytools_error()))
    }
  }

  /// Watches `path` and every folder below it (folders created later must be
  /// added as they appear).
  ///
  /// The corresponding C function is `inotifytools_watch_recursively`.
  public func watchRecursively(_ path: String, events: FileEvents = .folderChanges)
    throws(WatchError)
  {
    let result = path.withCString {
      inotifytools_watch_recursively($0, Int32(bitPattern: events.rawValue))
    }
    guard result != 0 else {
      throw WatchError(path: path, errno: Errno(rawValue: inotifytools_error()))
    }
  }

  /// Watches one file or folder (not below it).
  ///
  /// The corresponding C function is `inotifytools_watch_file`.
  public func watch(_ path: String, events: FileEvents) throws(WatchError) {
    let result = path.withCString {
      inotifytools_watch_file($0, Int32(bitPattern: events.rawValue))
    }
    guard result != 0 else {
      throw WatchError(path: path, errno: Errno(rawValue: inotifytools_error()))
    }
  }

  /// Tells the library a watched folder was renamed, so events below it are
  /// reported under the new name.
  ///
  /// The corresponding C function is `inotifytools_replace_filename`.
  public func folderRenamed(from old: String, to new: String) {
    (old + "/").withCString { oldName in
      (new + "/").withCString { newName in inotifytools_replace_filename(oldName, newName) }
    }
  }

  /// The next event, waiting up to `seconds` (at least one: the library
  /// takes 0 as "wait for ever").
  ///
  /// The corresponding C function is `inotifytools_next_event`.
  public func nextEvent(waitingUpTo seconds: Int) -> FileEvent? {
    guard let event = inotifytools_next_event(max(seconds, 1)) else { return nil }
    let events = FileEvents(rawValue: event.pointee.mask)
    if events.contains(.overflow) { return FileEvent(path: "", events: events) }
    // The folder's path (with its trailing slash) plus the entry's name, if any.
    var path = ""
    if let folder = inotifytools_filename_from_wd(event.pointee.wd) {
      path = String(cString: folder)
    }
    if event.pointee.len > 0 {
      let name = UnsafeRawPointer(event).advanced(by: MemoryLayout<inotify_event>.size)
        .assumingMemoryBound(to: CChar.self)
      path += String(cString: name)
    }
    if path.hasSuffix("/") && path.count > 1 { path.removeLast() }
    return FileEvent(path: path, events: events, cookie: event.pointee.cookie)
  }
}
