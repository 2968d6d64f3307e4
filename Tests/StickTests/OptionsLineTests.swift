import Stick
import Testing
import Tokenizer

/// A prompt file's first line `# name = value; ...` sets options for that file alone.
@Suite struct OptionsLineTests {
  @Test func goodOptionsApplyAndAreNotPartOfTheQuestion() throws {
    let file = try parse(
      text: "# temperature = 0; max_tokens = 500 ;seed=7; language = German;\nWhat is 2+2?\n",
      name: "HELLO.TXT")
    #expect(file.problems.isEmpty)
    #expect(
      file.options == [.temperature(0), .maxTokens(500), .seed(7), .language("German")])
    #expect(file.conversation.turns == [.user("What is 2+2?")])
    let base = Settings(systemPrompt: "Be brief.", temperature: 1.2, seed: 3)
    let merged = file.settings(base: base)
    #expect(
      merged
        == Settings(
          systemPrompt: "Be brief.", maxTokens: 500, temperature: 0, seed: 7, language: "German"))
  }

  @Test(arguments: allFormats)
  func optionsWorkInEveryEncoding(format: TextFormat) throws {
    let file = try parse(format.encodeFile("# top_p = 0,5\nQuestion?\n"))
    #expect(file.options == [.topP(0.5)])
    #expect(file.conversation.turns == [.user("Question?")])
    let appended = answerBytes(for: file, pieces: ["Yes."])
    let after = try parse(format.encodeFile("# top_p = 0,5\nQuestion?\n") + appended)
    #expect(after.options == [.topP(0.5)])
    #expect(after.conversation.turns == [.user("Question?"), .assistant("Yes.")])
  }

  @Test func badOptionsAreProblemsAndTheRestStays() throws {
    let file = try parse(
      text: "# tempreature = 1; max_tokens = lots; top_p = 3; seed = -1; model = ../x.gguf; "
        + "colour = red; temperature = 0.2\nQ?",
      name: "HELLO.TXT")
    #expect(file.options == [.temperature(0.2)])
    #expect(
      file.problems.map(\.description) == [
        "HELLO.TXT: unknown setting 'tempreature' (ignored, did you mean 'temperature'?)",
        "HELLO.TXT: max_tokens must be a whole number from 1 to 4096, not 'lots' (ignored)",
        "HELLO.TXT: top_p must be a number from 0 to 1, not '3' (ignored)",
        "HELLO.TXT: seed must be a whole number from 0 to 18446744073709551615, or nothing for"
          + " a random start, not '-1' (ignored)",
        "HELLO.TXT: model must be the name of a .gguf file in the MODELS folder, not"
          + " '../x.gguf' (ignored)",
        "HELLO.TXT: unknown setting 'colour' (ignored)",
      ])
    let merged = file.settings(base: Settings(maxTokens: 100, topP: 0.5))
    #expect(merged == Settings(maxTokens: 100, temperature: 0.2, topP: 0.5))
    #expect(file.conversation.turns == [.user("Q?")])
  }

  @Test func emptyValuesMeanTheDefault() throws {
    let file = try parse(text: "# system_prompt = ; seed =\r\nQ?")
    #expect(file.options == [.systemPrompt(nil), .seed(nil)])
    let merged = file.settings(base: Settings(systemPrompt: "Pirate talk.", seed: 9))
    #expect(merged == .defaults)
  }

  @Test func linesThatAreNotOptionsStayText() throws {
    let texts = [
      "# A heading\nQ?", "#\nQ?", "# \nQ?", "#;\nQ?", "# = 5\nQ?", "# Why is 2+2 = 4?\nQ?",
      "# temperature = 1; and be quick\nQ?", "## temperature = 1\nQ?", " # seed = 1\nQ?",
      "Q?\n# seed = 1",
    ]
    for text in texts {
      let file = try parse(text: text)
      #expect(file.options.isEmpty, "\(text)")
      #expect(file.problems.isEmpty, "\(text)")
      #expect(file.conversation.turns.first?.content.contains("Q?") == true)
    }
  }

  @Test func anOptionsLineAloneIsNoQuestion() throws {
    for text in ["# seed = 1", "# seed = 1\n", "# seed = 1\r\n\r\n  "] {
      let file = try parse(text: text)
      #expect(file.options == [.seed(1)])
      #expect(file.conversation.turns.isEmpty)
      #expect(!file.conversation.needsAnswer)
    }
  }

  @Test func aRepeatedOptionIsReportedAndTheLastCounts() throws {
    let file = try parse(text: "# seed = 1; Seed = 2\nQ?", name: "A.TXT")
    #expect(file.options == [.seed(1), .seed(2)])
    #expect(file.settings(base: .defaults).seed == 2)
    #expect(
      file.problems.map(\.description) == ["A.TXT: seed is set twice; the later value counts"])
  }
}
