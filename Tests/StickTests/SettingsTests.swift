import Foundation
import Stick
import TestSupport
import Testing

/// SETTINGS.TXT: defaults, every kind of mistake, encodings, and the options line on top.
@Suite struct SettingsTests {
  @Test func theDefaultsAreDocumented() {
    let defaults = Settings.defaults
    #expect(defaults.model == "SmolLM2-135M-Instruct.Q4_1.gguf")
    #expect(defaults.systemPrompt == nil)
    #expect(defaults.maxTokens == 256)
    #expect(defaults.temperature == 0.7)
    #expect(defaults.topP == 0.95)
    #expect(defaults.seed == nil)
    #expect(defaults.language == nil)
    #expect(defaults.modelDisplayName == "SmolLM2-135M-Instruct.Q4_1")
  }

  @Test func theShippedSettingsFileGivesTheDefaults() throws {
    let path = Checkout.root.appendingPathComponent("image/files/SETTINGS.TXT").path
    let file = SettingsFile.load(path: path)
    #expect(file.problems.isEmpty, "\(file.problems)")
    #expect(file.settings == .defaults)
  }

  @Test func aMissingFileIsTheDefaults() {
    let file = SettingsFile.load(path: "/nonexistent/folder/SETTINGS.TXT")
    #expect(file == SettingsFile(settings: .defaults, problems: []))
  }

  @Test func aFolderInPlaceOfTheFileIsAProblem() {
    let file = SettingsFile.load(path: FileManager.default.temporaryDirectory.path)
    #expect(file.settings == .defaults)
    #expect(file.problems.count == 1)
  }

  @Test(arguments: allFormats)
  func everyValueIsReadInEveryEncoding(format: TextFormat) {
    let text =
      "# notes\n  model   =   TinyLlama.gguf \t \n"
      + "system_prompt = You are a pirate. Say \"arr\"; it's C# = fun.\nMAX_TOKENS=1000\n"
      + "temperature = 1,5\ntop_p = 0.5\nseed = 12345678901234567890\nlanguage = Deutsch\n\n"
    let file = SettingsFile(bytes: format.encodeFile(text))
    #expect(file.problems.isEmpty, "\(file.problems)")
    #expect(
      file.settings
        == Settings(
          model: "TinyLlama.gguf", systemPrompt: "You are a pirate. Say \"arr\"; it's C# = fun.",
          maxTokens: 1000, temperature: 1.5, topP: 0.5, seed: 12_345_678_901_234_567_890,
          language: "Deutsch"))
  }

  @Test func forgivingSpellings() {
    let text =
      "System Prompt = \u{201C}Be brief.\u{201D}\nmax-tokens = '64'\nModel = MODELS/x.gguf\n"
      + "language=\"\"\n"
    let file = SettingsFile(bytes: Array(text.utf8))
    #expect(file.problems.isEmpty, "\(file.problems)")
    #expect(file.settings == Settings(model: "x.gguf", systemPrompt: "Be brief.", maxTokens: 64))
  }

  @Test func emptyValuesMeanTheDefault() {
    let text = "model =\nsystem_prompt =   \nmax_tokens=\ntemperature =\ntop_p=\nseed=\nlanguage=\n"
    let file = SettingsFile(bytes: Array(text.utf8))
    #expect(file.problems.isEmpty)
    #expect(file.settings == .defaults)
  }

  @Test func everyKindOfMistakeIsNamedAndTheDefaultStays() {
    let text = """
      tempreature = 0.1
      max_tokens = lots
      max_tokens = 0
      max_tokens = 4097
      max_tokens = 12.5
      temperature = hot
      temperature = -0.1
      temperature = 2.5
      temperature = nan
      temperature = inf
      top_p = 1.01
      top_p = 0x1p-2
      seed = -1
      seed = 99999999999999999999999
      model = /etc/passwd
      model = ../secret.gguf
      model = .hidden.gguf
      just some words
      = 5
      colour = red
      language = English
      language = French
      """
    let file = SettingsFile(bytes: Array(text.utf8))
    #expect(file.settings == Settings(language: "French"))
    let lines = file.problems.map(\.description)
    let expected = [
      "SETTINGS.TXT line 1: unknown setting 'tempreature' (ignored, did you mean 'temperature'?)",
      "SETTINGS.TXT line 2: max_tokens must be a whole number from 1 to 4096, not 'lots' (ignored)",
      "SETTINGS.TXT line 3: max_tokens must be a whole number from 1 to 4096, not '0' (ignored)",
      "SETTINGS.TXT line 4: max_tokens must be a whole number from 1 to 4096, not '4097' (ignored)",
      "SETTINGS.TXT line 5: max_tokens must be a whole number from 1 to 4096, not '12.5' (ignored)",
      "SETTINGS.TXT line 6: temperature must be a number from 0 to 2, not 'hot' (ignored)",
      "SETTINGS.TXT line 7: temperature must be a number from 0 to 2, not '-0.1' (ignored)",
      "SETTINGS.TXT line 8: temperature must be a number from 0 to 2, not '2.5' (ignored)",
      "SETTINGS.TXT line 9: temperature must be a number from 0 to 2, not 'nan' (ignored)",
      "SETTINGS.TXT line 10: temperature must be a number from 0 to 2, not 'inf' (ignored)",
      "SETTINGS.TXT line 11: top_p must be a number from 0 to 1, not '1.01' (ignored)",
      "SETTINGS.TXT line 12: top_p must be a number from 0 to 1, not '0x1p-2' (ignored)",
      "SETTINGS.TXT line 13: seed must be a whole number from 0 to 18446744073709551615, or"
        + " nothing for a random start, not '-1' (ignored)",
      "SETTINGS.TXT line 14: seed must be a whole number from 0 to 18446744073709551615, or"
        + " nothing for a random start, not '99999999999999999999999' (ignored)",
      "SETTINGS.TXT line 15: model must be the name of a .gguf file in the MODELS folder, not"
        + " '/etc/passwd' (ignored)",
      "SETTINGS.TXT line 16: model must be the name of a .gguf file in the MODELS folder, not"
        + " '../secret.gguf' (ignored)",
      "SETTINGS.TXT line 17: model must be the name of a .gguf file in the MODELS folder, not"
        + " '.hidden.gguf' (ignored)",
      "SETTINGS.TXT line 18: 'just some words' is not a setting; write name = value (ignored)",
      "SETTINGS.TXT line 19: a value without a setting name before the '=' (ignored)",
      "SETTINGS.TXT line 20: unknown setting 'colour' (ignored)",
      "SETTINGS.TXT line 22: language is set twice; the later value counts",
    ]
    #expect(lines == expected)
  }

  @Test func lineNumbersCountEveryKindOfLineBreak() {
    let text = "# a\r\n\r\nseed = x\r\n\nmax_tokens = y\rtop_p = z"
    let file = SettingsFile(bytes: [0xEF, 0xBB, 0xBF] + Array(text.utf8), fileName: "S.TXT")
    #expect(file.problems.map(\.line) == [3, 5, 6])
    #expect(file.problems.allSatisfy { $0.fileName == "S.TXT" })
  }

  @Test func longValuesAreShortenedInProblems() {
    let text = "max_tokens = " + String(repeating: "9", count: 100)
    let problem = SettingsFile(bytes: Array(text.utf8)).problems.first?.description ?? ""
    #expect(problem.contains("'" + String(repeating: "9", count: 37) + "...'"))
  }

  @Test func anUnreadableFileIsTheDefaultsAndOneProblem() {
    for bytes: [UInt8] in [
      [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0], [0x73, 0xCF, 0xF0, 0xE8], [0xFF, 0xFE, 0x41],
    ] {
      let file = SettingsFile(bytes: bytes)
      #expect(file.settings == .defaults)
      #expect(file.problems.count == 1)
      #expect(file.problems.first?.description.hasPrefix("SETTINGS.TXT cannot be used, ") == true)
    }
  }

  /// Notepad on older Windows saves "ANSI" (Windows-1252) text.
  @Test func aWindowsAnsiFileIsRead() {
    let bytes = Array("language = Fran".utf8) + [0xE7] + Array("ais\r\n".utf8)
    let file = SettingsFile(bytes: bytes)
    #expect(file.problems.isEmpty)
    #expect(file.settings.language == "Français")
  }

  @Test func theLanguageBecomesAnInstruction() {
    #expect(Settings.defaults.languageInstruction == nil)
    #expect(Settings(language: "German").languageInstruction == "Answer in German.")
    #expect(Settings.defaults.systemMessage(modelDefault: "Default.") == nil)
    #expect(Settings(systemPrompt: "Own.").systemMessage(modelDefault: "Default.") == "Own.")
    #expect(
      Settings(language: "German").systemMessage(modelDefault: "Default.")
        == "Default.\n\nAnswer in German.")
    #expect(Settings(language: "German").systemMessage(modelDefault: nil) == "Answer in German.")
    #expect(
      Settings(systemPrompt: "Own.", language: "German").systemMessage(modelDefault: "Default.")
        == "Own.\n\nAnswer in German.")
  }

  @Test func theOptionsLineGoesOnTopOfTheFile() throws {
    let settingsFile = SettingsFile(
      bytes: Array("temperature = 1\nseed = 5\nlanguage = German\n".utf8))
    let prompt = try parse(text: "# temperature = 0; language =\nQ?")
    let merged = prompt.settings(base: settingsFile.settings)
    #expect(merged == Settings(temperature: 0, seed: 5))
  }
}
