import Foundation
import Remote
import Stick
import Testing

/// The stream reader, fed the way a network delivers bytes: in pieces split anywhere.
@Suite struct EventStreamReaderTests {
  /// Every event in `text`, fed in pieces of `size` bytes.
  func events(_ text: String, pieces size: Int) throws -> [ServerSentEvent] {
    var reader = EventStreamReader()
    let bytes = Array(text.utf8)
    var events: [ServerSentEvent] = []
    var start = 0
    while start < bytes.count {
      let end = min(start + size, bytes.count)
      events += try reader.read(bytes[start..<end])
      start = end
    }
    if let last = try reader.finish() { events.append(last) }
    return events
  }

  let stream =
    ": a comment the server sends to keep the connection\n"
    + "data: {\"a\":1}\n\n"
    + "event: error\ndata: first line\ndata: second line\n\n"
    + "id: 7\nretry: 100\ndata:no space\n\n"
    + "data: [DONE]\n\n"

  let expected = [
    ServerSentEvent(data: "{\"a\":1}"),
    ServerSentEvent(name: "error", data: "first line\nsecond line"),
    ServerSentEvent(data: "no space"),
    ServerSentEvent(data: "[DONE]"),
  ]

  @Test(arguments: [1, 2, 3, 7, 64, 4096])
  func piecesSplitAnywhereGiveTheSameEvents(size: Int) throws {
    #expect(try events(stream, pieces: size) == expected)
  }

  @Test(arguments: [1, 2, 5, 4096])
  func carriageReturnsEndLinesToo(size: Int) throws {
    let crlf = stream.replacingOccurrences(of: "\n", with: "\r\n")
    #expect(try events(crlf, pieces: size) == expected)
    let cr = stream.replacingOccurrences(of: "\n", with: "\r")
    #expect(try events(cr, pieces: size) == expected)
  }

  @Test func commentsAndEmptyEventsGiveNothing() throws {
    #expect(try events(": ping\n\n: ping\n\n\n\n", pieces: 3).isEmpty)
    #expect(try events("event: ping\n\n", pieces: 3).isEmpty)
  }

  @Test func anEventWithoutItsEmptyLineIsTakenAtTheEnd() throws {
    #expect(try events("data: last", pieces: 2) == [ServerSentEvent(data: "last")])
    #expect(try events("data: last\n", pieces: 2) == [ServerSentEvent(data: "last")])
  }

  @Test func anEmptyDataLineKeepsItsLineBreak() throws {
    #expect(
      try events("data: a\ndata:\ndata: b\n\n", pieces: 4) == [ServerSentEvent(data: "a\n\nb")])
  }

  @Test func invalidUTF8BecomesReplacementCharacters() throws {
    var reader = EventStreamReader()
    let bytes: [UInt8] = Array("data: a".utf8) + [0xFF, 0xC3] + Array("b\n\n".utf8)
    let events = try reader.read(bytes)
    #expect(events.count == 1)
    #expect(events.first?.data.hasPrefix("a") == true)
    #expect(events.first?.data.hasSuffix("b") == true)
  }

  @Test func aLineOrAnEventLargerThanTheLimitIsRefused() {
    var reader = EventStreamReader(limit: 100)
    #expect(throws: EventStreamReader.TooLong(limit: 100)) {
      _ = try reader.read(Array(repeating: UInt8(ascii: "x"), count: 101))
    }
    var lines = EventStreamReader(limit: 100)
    let line = "data: " + String(repeating: "y", count: 60) + "\n"
    #expect(throws: EventStreamReader.TooLong(limit: 100)) {
      _ = try lines.read(Array((line + line).utf8))
    }
  }
}

@Suite struct RemoteAddressTests {
  @Test func addressesWithAndWithoutTheVersion() throws {
    let plain = try #require(RemoteAddress("http://192.168.7.1:8080"))
    #expect(plain.chatCompletions == "http://192.168.7.1:8080/v1/chat/completions")
    #expect(plain.host == "192.168.7.1:8080")
    let versioned = try #require(RemoteAddress("http://192.168.7.1:8080/v1/"))
    #expect(versioned.chatCompletions == "http://192.168.7.1:8080/v1/chat/completions")
    let nested = try #require(RemoteAddress("https://api.example.com/openai/v1"))
    #expect(nested.completions == "https://api.example.com/openai/v1/completions")
    #expect(nested.isSecure)
    let prefixed = try #require(RemoteAddress("HTTP://localhost:1234/api"))
    #expect(prefixed.base == "http://localhost:1234/api/v1")
    #expect(RemoteAddress("http://[::1]:8080")?.host == "[::1]:8080")
  }

  @Test(arguments: [
    "", "192.168.7.1:8080", "ftp://host/v1", "http://", "http://user:secret@host/v1",
    "http://host/v1?x=1", "http://host name/v1", "file:///tmp/v1",
  ])
  func notAddresses(text: String) {
    #expect(RemoteAddress(text) == nil)
  }
}
