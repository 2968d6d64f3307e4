import Stick
import Testing
import Tokenizer

/// How a file's text becomes turns, and when it needs an answer.
@Suite struct ConversationTests {
  @Test func aQuestionNeedsAnAnswer() throws {
    let file = try parse(text: "\n\n  What is a moon?\nAnd why?\n\n")
    #expect(file.conversation.turns == [.user("  What is a moon?\nAnd why?")])
    #expect(file.conversation.needsAnswer)
    #expect(!file.conversation.interruptedAnswer)
  }

  @Test(arguments: ["", " ", "\n", "\r\n\r\n", " \t \n \u{3000}\u{A0}\n", "\u{2003}"])
  func emptyAndWhitespaceFilesNeedNoAnswer(text: String) throws {
    for format in allFormats {
      let file = try parse(format.encodeFile(text))
      #expect(file.conversation.turns.isEmpty)
      #expect(!file.conversation.needsAnswer)
    }
  }

  @Test func anAnsweredFileNeedsNoAnswer() throws {
    let text = "Q?\n\n--- answer (M, 2025-01-01 10:00) ---\nA.\n--- end\n\n   \n"
    let conversation = try parse(text: text).conversation
    #expect(conversation.turns == [.user("Q?"), .assistant("A.")])
    #expect(!conversation.needsAnswer)
  }

  @Test func theEndMarkerIgnoresTrailingSpacesAndCarriageReturn() throws {
    let text = "Q?\r\n--- answer ---\r\nA.\r\n--- end  \t\r\nMore?\r\n"
    let conversation = try parse(text: text).conversation
    #expect(conversation.turns == [.user("Q?"), .assistant("A."), .user("More?")])
    #expect(conversation.needsAnswer)
  }

  @Test func almostMarkersAreText() throws {
    // Markers count only at a line's start, and "--- end" only alone on its line.
    let text = "Q?\n --- answer\n--- answer ---\nA\n --- end\n--- endless\n---end\nB\n--- end\nC"
    let conversation = try parse(text: text).conversation
    #expect(
      conversation.turns == [
        .user("Q?\n --- answer"), .assistant("A\n --- end\n--- endless\n---end\nB"), .user("C"),
      ])
  }

  @Test func anEndMarkerInThePersonsTextIsText() throws {
    let conversation = try parse(text: "Explain this:\n--- end\nplease").conversation
    #expect(conversation.turns == [.user("Explain this:\n--- end\nplease")])
    #expect(conversation.needsAnswer)
  }

  @Test func anInterruptedAnswerNeedsNoAnswer() throws {
    let text = "Q?\n\n--- answer (M, 2025-01-01 10:00) ---\nThe Moon is"
    let file = try parse(text: text)
    #expect(file.conversation.interruptedAnswer)
    #expect(!file.conversation.needsAnswer)
    #expect(file.conversation.turns == [.user("Q?"), .assistant("The Moon is")])
  }

  @Test func textAfterAnInterruptedAnswerIsPartOfIt() throws {
    // The person's follow-up counts only after an "--- end" line.
    let text = "Q?\n--- answer ---\nThe Moon is\n\nWhat about Mars?\n"
    let conversation = try parse(text: text).conversation
    #expect(conversation.interruptedAnswer)
    #expect(!conversation.needsAnswer)
    #expect(conversation.turns.last == .assistant("The Moon is\n\nWhat about Mars?"))
  }

  @Test(arguments: allFormats)
  func anInterruptedAnswerCanBeClosed(format: TextFormat) throws {
    for cut in ["The Moon is", "The Moon is\n", "", "\n\n"] {
      let original = format.encodeFile("Q?\n\n--- answer (M, 2025-01-01 10:00) ---\n" + cut)
      let file = try parse(original)
      let closing = try #require(file.closingInterruptedAnswer())
      let closed = try parse(original + closing)
      #expect(!closed.conversation.interruptedAnswer)
      #expect(!closed.conversation.needsAnswer)
      #expect(closed.conversation.turns.count == 2)
      let text = try #require(String(bytes: original + closing, encodingOf: format))
      #expect(text.hasSuffix(format.lineEnding.text + "--- end" + format.lineEnding.text))
      // A follow-up after the end marker needs an answer again.
      let followUp = try parse(original + closing + format.encode("And Mars?\n"))
      #expect(followUp.conversation.needsAnswer)
      #expect(followUp.conversation.turns.last == .user("And Mars?"))
    }
    #expect(try parse(format.encodeFile("Q?")).closingInterruptedAnswer() == nil)
  }

  @Test func aNewAnswerMarkerInsideAnAnswerStartsANewAnswer() throws {
    let text = "Q?\n--- answer ---\nhalf\n--- answer ---\nwhole\n--- end\n"
    let conversation = try parse(text: text).conversation
    #expect(conversation.turns == [.user("Q?"), .assistant("half"), .assistant("whole")])
    #expect(!conversation.needsAnswer)
  }

  @Test func aFileMayStartWithAnAnswer() throws {
    let conversation = try parse(text: "--- answer ---\nHi\n--- end\nWho are you?").conversation
    #expect(conversation.turns == [.assistant("Hi"), .user("Who are you?")])
    #expect(conversation.needsAnswer)
  }

  @Test func aMarkdownHeadingIsText() throws {
    let file = try parse(text: "# Shopping list\nWhat goes with pasta?")
    #expect(file.options.isEmpty)
    #expect(file.problems.isEmpty)
    #expect(file.conversation.turns == [.user("# Shopping list\nWhat goes with pasta?")])
    let question = try parse(text: "# Why is 2+2 = 4?\n")
    #expect(question.options.isEmpty)
    #expect(question.conversation.turns == [.user("# Why is 2+2 = 4?")])
  }

  @Test func chatMessagesCarryTheSystemMessage() throws {
    let conversation = try parse(text: "Q?\n--- answer ---\nA\n--- end\nR?").conversation
    let turns: [ChatMessage] = [.user("Q?"), .assistant("A"), .user("R?")]
    #expect(conversation.chatMessages(settings: .defaults, modelDefaultSystemPrompt: "D") == turns)
    let german = Settings(language: "German")
    #expect(
      conversation.chatMessages(settings: german, modelDefaultSystemPrompt: "Be kind.")
        == [.system("Be kind.\n\nAnswer in German.")] + turns)
    #expect(
      conversation.chatMessages(settings: german, modelDefaultSystemPrompt: nil)
        == [.system("Answer in German.")] + turns)
    let teacher = Settings(systemPrompt: "You teach.", language: "German")
    #expect(
      conversation.chatMessages(settings: teacher, modelDefaultSystemPrompt: "Be kind.")
        == [.system("You teach.\n\nAnswer in German.")] + turns)
  }

  @Test func parsingNeverChangesTheText() throws {
    let text = "\u{FEFF}# seed = 1\r\nQ?\r\n"
    let bytes = Array(text.utf8)
    let file = try parse(bytes)
    #expect(file.decoded.text == "# seed = 1\r\nQ?\r\n")
    #expect(file.format.encoding.byteOrderMark + Array(file.decoded.text.utf8) == bytes)
  }
}
