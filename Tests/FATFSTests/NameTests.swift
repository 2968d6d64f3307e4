import FATFS
import Foundation
import Testing

/// Names, checksums and timestamps, checked on a volume in memory.
@Suite struct NameTests {
  static func memoryVolume() throws -> Volume {
    let scratch = try Scratch()
    let image = try scratch.makeImage(megabytes: 2, fat: 12, sectorsPerCluster: 1)
    let volume = try Volume(
      device: MemoryBlockDevice(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: image)))))
    volume.clock = { fixedDate }
    volume.timeZone = TimeZone(identifier: "UTC")!
    return volume
  }

  @Test(arguments: [
    ("README.TXT", "README.TXT"),
    ("readme.txt", "README.TXT"),
    ("Question about rain.txt", "QUESTI~1.TXT"),
    ("a.b.c", "AB~1.C"),
    (".hidden", "HIDDEN~1"),
    ("Ünïcode.txt", "_N_COD~1.TXT"),
    ("x+y=z.markdown", "X_Y_Z~1.MAR"),
    ("中文", "__~1"),
  ])
  func shortNamesFollowTheWindowsRules(name: String, expected: String) throws {
    let volume = try Self.memoryVolume()
    try volume.createFile("/" + name)
    let entry = try #require(try volume.snapshot()["/" + name])
    #expect(entry.shortName == expected)
    #expect(entry.name == name)
  }

  @Test func aLongNameOf255CharactersWorksAnd256DoNot() throws {
    let volume = try Self.memoryVolume()
    let longest = String(repeating: "n", count: 251) + ".txt"
    try volume.createFile("/" + longest, contents: bytes("ok"))
    #expect(try volume.readFile("/" + longest.uppercased()) == bytes("ok"))
    #expect(throws: FATError.self) { try volume.createFile("/" + longest + "x") }
  }

  @Test func timestampsSurviveARoundTripInManyZones() throws {
    let volume = try Self.memoryVolume()
    for (index, zone) in ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
      .enumerated()
    {
      volume.timeZone = TimeZone(identifier: zone)!
      for (step, seconds) in [0.0, 1.0, 86_399.0, 15_552_000.0].enumerated() {
        let when = fixedDate.addingTimeInterval(seconds)
        volume.clock = { when }
        let path = "/T\(index)_\(step).TXT"
        try volume.createFile(path)
        let entry = try #require(try volume.snapshot()[path])
        let expected = (when.timeIntervalSince1970 / 2).rounded(.down) * 2
        #expect(entry.modified?.timeIntervalSince1970 == expected, "\(zone) \(seconds)")
      }
    }
  }

  @Test func datesOutsideTheFATRangeAreClamped() throws {
    let volume = try Self.memoryVolume()
    volume.clock = { Date(timeIntervalSince1970: 0) }
    try volume.createFile("/OLD.TXT")
    #expect(try volume.snapshot()["/OLD.TXT"]?.modified == Date(timeIntervalSince1970: 315_532_800))
  }
}
