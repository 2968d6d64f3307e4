import FATFS
import Foundation
import SystemPackage
import Testing

/// What the volume should hold: the reference the library and the tools are compared with.
struct Model {
  var files: [String: [UInt8]] = [:]
  var folders: Set<String> = []

  func key(_ path: String) -> String { path.uppercased() }

  /// The stored spelling of `path`, if the model holds it in any case.
  func existing(_ path: String) -> String? {
    files.keys.first { key($0) == key(path) } ?? folders.first { key($0) == key(path) }
  }

  /// Compares the image with the model through fsck.fat, mdir and mtype.
  func verifyWithTools(
    _ image: String, after context: String, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    try Tools.expectClean(image, context, sourceLocation: sourceLocation)
    try Self.expectFATCopiesAndFSInfo(image, context, sourceLocation: sourceLocation)
    let expected = Set(files.keys).union(folders.map { $0 + "/" })
    let listed = try Tools.list(image)
    #expect(listed == expected, "mdir after \(context)", sourceLocation: sourceLocation)
    for (path, contents) in files {
      let read = try Tools.read(image, path)
      #expect(read == contents, "mtype \(path) after \(context)", sourceLocation: sourceLocation)
    }
  }

  /// Every FAT copy is identical, and on FAT32 FSINFO holds the exact free count.
  static func expectFATCopiesAndFSInfo(
    _ image: String, _ context: String, sourceLocation: SourceLocation
  ) throws {
    let volume = try Volume(path: FilePath(image), writable: false)
    let boot = volume.bootSector
    let first = try volume.device.read(count: boot.fatSize, at: boot.fatOffset)
    for copy in 1..<boot.fatCount {
      let other = try volume.device.read(
        count: boot.fatSize, at: boot.fatOffset + Int64(copy * boot.fatSize))
      #expect(other == first, "FAT copy \(copy) after \(context)", sourceLocation: sourceLocation)
    }
    guard boot.fatType == .fat32 else { return }
    let info = try volume.device.read(
      count: 512, at: Int64(boot.fsInfoSector * boot.bytesPerSector))
    let free =
      Int64(info[488]) | Int64(info[489]) << 8 | Int64(info[490]) << 16 | Int64(info[491]) << 24
    let next =
      Int64(info[492]) | Int64(info[493]) << 8 | Int64(info[494]) << 16 | Int64(info[495]) << 24
    #expect(
      free * Int64(boot.bytesPerCluster) == (try volume.snapshot().freeBytes),
      "FSINFO free count after \(context)", sourceLocation: sourceLocation)
    #expect(next == 0xFFFF_FFFF || (2...Int64(boot.maximumCluster)).contains(next))
  }

  /// Compares a snapshot of the volume with the model.
  func verify(
    _ volume: Volume, after context: String, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let snapshot = try volume.snapshot(readingContentsWhere: { _ in true })
    var seenFiles: [String: [UInt8]] = [:]
    var seenFolders: Set<String> = []
    for entry in snapshot.entries {
      if entry.isDirectory {
        seenFolders.insert(entry.path)
      } else {
        seenFiles[entry.path] = entry.contents
      }
    }
    #expect(seenFiles == files, "snapshot files after \(context)", sourceLocation: sourceLocation)
    #expect(
      seenFolders == folders, "snapshot folders after \(context)", sourceLocation: sourceLocation)
  }
}
