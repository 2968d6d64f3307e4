import Foundation

/// The attribute byte of a directory entry.
public struct FileAttributes: OptionSet, Sendable, Hashable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  public static let readOnly = FileAttributes(rawValue: 0x01)
  public static let hidden = FileAttributes(rawValue: 0x02)
  public static let system = FileAttributes(rawValue: 0x04)
  public static let volumeLabel = FileAttributes(rawValue: 0x08)
  public static let directory = FileAttributes(rawValue: 0x10)
  public static let archive = FileAttributes(rawValue: 0x20)
  /// The combination that marks a long-name entry.
  public static let longName: FileAttributes = [.readOnly, .hidden, .system, .volumeLabel]
}

/// A 32-byte short (8.3) directory entry.
struct DirectoryEntry: Equatable {
  static let size = 32
  /// First name byte of a deleted entry.
  static let deletedMarker: UInt8 = 0xE5
  /// NT case flags (byte 12): the base name / extension are shown in lower case.
  static let lowercaseBase: UInt8 = 0x08
  static let lowercaseExtension: UInt8 = 0x10

  var name: [UInt8]  // 11 bytes, space padded
  var attributes: FileAttributes
  var caseFlags: UInt8
  var createTenths: UInt8
  var createTime: UInt16
  var createDate: UInt16
  var accessDate: UInt16
  var firstCluster: UInt32
  var writeTime: UInt16
  var writeDate: UInt16
  var fileSize: UInt32

  init(
    name: [UInt8], attributes: FileAttributes, firstCluster: UInt32 = 0, fileSize: UInt32 = 0
  ) {
    self.name = name
    self.attributes = attributes
    self.caseFlags = 0
    self.createTenths = 0
    self.createTime = 0
    self.createDate = 0
    self.accessDate = 0
    self.firstCluster = firstCluster
    self.writeTime = 0
    self.writeDate = 0
    self.fileSize = fileSize
  }

  /// Parses the 32 bytes at `offset` of `bytes`; the caller guarantees they exist.
  init(bytes: [UInt8], at offset: Int) {
    name = Array(bytes[offset..<offset + 11])
    attributes = FileAttributes(rawValue: bytes[offset + 11])
    caseFlags = bytes[offset + 12]
    createTenths = bytes[offset + 13]
    createTime = bytes.uint16(at: offset + 14)
    createDate = bytes.uint16(at: offset + 16)
    accessDate = bytes.uint16(at: offset + 18)
    firstCluster =
      UInt32(bytes.uint16(at: offset + 20)) << 16 | UInt32(bytes.uint16(at: offset + 26))
    writeTime = bytes.uint16(at: offset + 22)
    writeDate = bytes.uint16(at: offset + 24)
    fileSize = bytes.uint32(at: offset + 28)
  }

  var encoded: [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 32)
    for index in 0..<11 { bytes[index] = index < name.count ? name[index] : 0x20 }
    bytes[11] = attributes.rawValue
    bytes[12] = caseFlags
    bytes[13] = createTenths
    bytes.setUInt16(createTime, at: 14)
    bytes.setUInt16(createDate, at: 16)
    bytes.setUInt16(accessDate, at: 18)
    bytes.setUInt16(UInt16(truncatingIfNeeded: firstCluster >> 16), at: 20)
    bytes.setUInt16(writeTime, at: 22)
    bytes.setUInt16(writeDate, at: 24)
    bytes.setUInt16(UInt16(truncatingIfNeeded: firstCluster), at: 26)
    bytes.setUInt32(fileSize, at: 28)
    return bytes
  }

  var isDirectory: Bool { attributes.contains(.directory) }

  /// The 8.3 name for display: "NAME.EXT", with the NT lower-case flags applied.
  var displayName: String {
    var raw = name
    if raw.first == 0x05 { raw[0] = DirectoryEntry.deletedMarker }  // 0x05 stands for 0xE5
    var base = ShortName.decode(raw[0..<8])
    var ext = ShortName.decode(raw[8..<11])
    if caseFlags & DirectoryEntry.lowercaseBase != 0 { base = base.lowercased() }
    if caseFlags & DirectoryEntry.lowercaseExtension != 0 { ext = ext.lowercased() }
    return ext.isEmpty ? base : base + "." + ext
  }

  /// Sets the creation, modification and access stamps to `date`, as hosts do for a new file.
  mutating func stampCreated(_ date: Date, in timeZone: TimeZone) {
    let stamp = FATTimestamp(date, in: timeZone)
    createDate = stamp.date
    createTime = stamp.time
    createTenths = stamp.tenths
    writeDate = stamp.date
    writeTime = stamp.time
    accessDate = stamp.date
  }

  /// Sets the modification and access stamps, as hosts do when they write a file.
  mutating func stampModified(_ date: Date, in timeZone: TimeZone) {
    let stamp = FATTimestamp(date, in: timeZone)
    writeDate = stamp.date
    writeTime = stamp.time
    accessDate = stamp.date
  }
}

/// A FAT date and time. FAT stores local wall-clock time with no zone, and Windows, macOS and
/// Linux (vfat without `tz=UTC`) all read and write it as the host's local time, so this library
/// converts with a time zone the caller chooses (the board's local zone by default).
struct FATTimestamp: Equatable {
  var date: UInt16
  var time: UInt16
  /// Hundredths of a second beyond the 2-second resolution of `time`: 0...199.
  var tenths: UInt8

  init(date: UInt16, time: UInt16, tenths: UInt8 = 0) {
    self.date = date
    self.time = time
    self.tenths = tenths
  }

  init(_ instant: Date, in timeZone: TimeZone) {
    let utcSeconds = instant.timeIntervalSince1970
    var local = utcSeconds + Double(timeZone.secondsFromGMT(for: instant))
    if !local.isFinite { local = 0 }
    var whole = Int64(local.rounded(.down))
    let fraction = local - Double(whole)
    // FAT dates run from 1980-01-01 to 2107-12-31: clamp instead of wrapping.
    let earliest: Int64 = 315_532_800
    let latest: Int64 = 4_354_819_199
    var centiseconds = Int(fraction * 100)
    if whole < earliest {
      whole = earliest
      centiseconds = 0
    }
    if whole > latest {
      whole = latest
      centiseconds = 0
    }
    let days = whole >= 0 ? whole / 86400 : (whole - 86399) / 86400
    let secondsOfDay = Int(whole - days * 86400)
    let (year, month, day) = FATTimestamp.civil(fromDays: days)
    date = UInt16((year - 1980) << 9 | month << 5 | day)
    let hour = secondsOfDay / 3600
    let minute = secondsOfDay / 60 % 60
    let second = secondsOfDay % 60
    time = UInt16(hour << 11 | minute << 5 | second / 2)
    tenths = UInt8((second % 2) * 100 + centiseconds)
  }

  /// The instant this stamp means in `timeZone`, or nil when the fields are not a valid date.
  func instant(in timeZone: TimeZone) -> Date? {
    let year = Int(date >> 9) + 1980
    let month = Int(date >> 5 & 0xF)
    let day = Int(date & 0x1F)
    let hour = Int(time >> 11)
    let minute = Int(time >> 5 & 0x3F)
    let second = Int(time & 0x1F) * 2
    guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
    else { return nil }
    let days = FATTimestamp.days(fromCivil: year, month, day)
    let local = days * 86400 + Int64(hour * 3600 + minute * 60 + second)
    let extra = Double(min(tenths, 199)) / 100
    // The offset is looked up at the local time read as UTC, then once more at the result, so
    // stamps near a daylight-saving change land on the right side.
    let guess = Date(timeIntervalSince1970: Double(local))
    let first = Double(local) - Double(timeZone.secondsFromGMT(for: guess))
    let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: first))
    return Date(timeIntervalSince1970: Double(local - Int64(offset)) + extra)
  }

  // Days since 1970-01-01 and back in the proleptic Gregorian calendar, by 400-year eras, so
  // no calendar object (and no allocation) is needed per entry.
  static func civil(fromDays days: Int64) -> (Int, Int, Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    return (Int(year), Int(month), Int(day))
  }

  static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int64 {
    let y = Int64(month <= 2 ? year - 1 : year)
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let m = Int64(month)
    let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }
}
