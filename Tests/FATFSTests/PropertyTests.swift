import FATFS
import Foundation
import Testing

/// Random sequences of mutations on a small image, compared with an in-memory model.
@Suite struct PropertyTests {
  static let names = [
    "a.txt", "B.TXT", "Question about rain.txt", "Ünïcode – 日本語.txt", "notes", "x",
    "LONGNAME1.TEXT",
    "longname2.text", "Same basis 1.txt", "Same basis 2.txt", "data.bin", "README.TXT",
  ]

  @Test(arguments: [(12, 2, 1, UInt64(1)), (16, 16, 1, 2), (32, 40, 1, 3)])
  func randomOperationsMatchTheModel(fat: Int, megabytes: Int, sectorsPerCluster: Int, seed: UInt64)
    throws
  {
    let scratch = try Scratch()
    let image = try scratch.makeImage(
      megabytes: megabytes, fat: fat, sectorsPerCluster: sectorsPerCluster)
    let volume = try Volume.testing(image)
    var model = Model()
    var random = SeededGenerator(seed: seed)
    for step in 0..<150 {
      let folders = ["/"] + model.folders.sorted()
      let folder = folders.randomElement(using: &random)!
      let name = Self.names.randomElement(using: &random)!
      let path = (folder == "/" ? "" : folder) + "/" + name
      let existing = model.existing(path)
      let files = model.files.keys.sorted()
      switch Int.random(in: 0..<10, using: &random) {
      case 0..<3:
        let contents = pattern(Int.random(in: 0..<3000, using: &random), seed: step)
        if existing != nil {
          #expect(throws: FATError.self) { try volume.createFile(path, contents: contents) }
        } else {
          try volume.createFile(path, contents: contents)
          model.files[path] = contents
        }
      case 3..<6:
        guard let file = files.randomElement(using: &random) else { continue }
        let more = pattern(Int.random(in: 0..<2000, using: &random), seed: step)
        try volume.append(more, to: file)
        model.files[file]! += more
      case 6:
        guard let file = files.randomElement(using: &random) else { continue }
        let contents = pattern(Int.random(in: 0..<1500, using: &random), seed: step)
        try volume.rewrite(file, contents: contents)
        model.files[file] = contents
      case 7, 8:
        guard let file = files.randomElement(using: &random) else { continue }
        try volume.remove(file)
        model.files[file] = nil
      default:
        if existing != nil || path.split(separator: "/").count > 3 {
          continue
        }
        try volume.makeDirectory(path)
        model.folders.insert(path)
      }
      if step % 25 == 0 { try model.verify(volume, after: "step \(step)") }
    }
    try model.verify(volume, after: "all steps")
    try model.verifyWithTools(image, after: "random operations on FAT\(fat)")
  }
}
