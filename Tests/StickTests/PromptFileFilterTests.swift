import Stick
import Testing

/// Which paths on the drive are questions.
@Suite struct PromptFileFilterTests {
  static let table: [(String, Bool)] = [
    ("QUESTION.TXT", true),
    ("question.txt", true),
    ("Question.Txt", true),
    ("/HELLO.TXT", true),
    ("./notes/moon.txt", true),
    ("a/b/c/deep.TXT", true),
    ("Windows\\Path.txt", true),
    ("My questions/first one.txt", true),
    ("README.TXT", false),
    ("readme.txt", false),
    ("/Status.txt", false),
    ("SETTINGS.TXT", false),
    ("docs/README.TXT", true),
    ("sub/SETTINGS.TXT", true),
    ("MODELS/notes.txt", false),
    ("models/readme.txt", false),
    ("other/MODELS/notes.txt", true),
    ("MODELS.txt", true),
    ("question.md", false),
    ("question.txt.bak", false),
    ("question", false),
    (".txt", false),
    (".hidden.txt", false),
    ("._QUESTION.TXT", false),
    (".Trashes/501/old.txt", false),
    (".Spotlight-V100/Store/x.txt", false),
    (".fseventsd/x.txt", false),
    ("sub/.git/notes.txt", false),
    ("System Volume Information/IndexerVolumeGuid.txt", false),
    ("SYSTEM VOLUME INFORMATION/x.txt", false),
    ("$RECYCLE.BIN/S-1-5/$R1.txt", false),
    ("$Recycle.Bin/x.txt", false),
    ("~$question.txt", false),
    ("question.txt~", false),
    ("question.txt.swp", false),
    (".question.txt.swp", false),
    ("question.tmp", false),
    ("QUESTION.TXT.TMP", false),
    ("", false),
    ("/", false),
    ("folder/", false),
  ]

  @Test func theTableHolds() {
    for (path, expected) in Self.table {
      #expect(PromptFileFilter.isPromptFile(path) == expected, "\(path)")
    }
  }
}
