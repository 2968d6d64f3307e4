import Stick
import Testing

/// The engine's settings as a person writes them in SETTINGS.TXT.
@Suite struct RemoteSettingsTests {
  @Test func theEngineSettingsAreRead() throws {
    let text = """
      engine url = http://192.168.7.2:1234
      Engine-Model = "llama-3.2-3b"
      engine_key = sk-secret
      engine timeout = 90 s
      engine_connect_timeout = 2
      engine idle timeout = 45 seconds
      """
    let file = SettingsFile(bytes: Array(text.utf8))
    #expect(file.problems.isEmpty, "\(file.problems)")
    let remote = try #require(file.settings.remote)
    #expect(remote.address.chatCompletions == "http://192.168.7.2:1234/v1/chat/completions")
    #expect(remote.model == "llama-3.2-3b")
    #expect(remote.key == "sk-secret")
    #expect(remote.firstPieceTimeout == .seconds(90))
    #expect(remote.connectTimeout == .seconds(2))
    #expect(remote.idleTimeout == .seconds(45))
    #expect(remote.displayName == "llama-3.2-3b at 192.168.7.2:1234")
  }

  @Test func withoutAnAddressTheBoardAnswers() {
    let file = SettingsFile(bytes: Array("engine_url =\nengine_model = x\n".utf8))
    #expect(file.problems.isEmpty)
    #expect(file.settings.remote == nil)
    #expect(Settings.defaults.remote == nil)
  }

  @Test func mistakesAreSaidPlainly() {
    let text = "engine_url = 192.168.7.2:1234\nengine_timeout = soon\nengine_timout = 5\n"
    let problems = SettingsFile(bytes: Array(text.utf8)).problems.map(\.description)
    #expect(
      problems == [
        "SETTINGS.TXT line 1: engine_url must be an address such as http://192.168.7.1:8080/v1 "
          + "(http or https), not '192.168.7.2:1234' (ignored)",
        "SETTINGS.TXT line 2: engine_timeout must be a whole number of seconds from 1 to 3600, "
          + "not 'soon' (ignored)",
        "SETTINGS.TXT line 3: unknown setting 'engine_timout' (ignored, did you mean "
          + "'engine_timeout'?)",
      ])
  }

  @Test func aQuestionFileCannotChangeTheEngine() throws {
    let text = "# engine_url = http://elsewhere:1/v1; engine_key = x; max_tokens = 9\nHello?\n"
    let file = try PromptFile(bytes: Array(text.utf8), name: "q.txt")
    let settings = file.settings(base: .defaults)
    #expect(settings.remote == nil)
    #expect(settings.maxTokens == 9)
    #expect(
      file.problems.map(\.description) == [
        "q.txt: engine_url can only be set in SETTINGS.TXT (ignored)",
        "q.txt: engine_key can only be set in SETTINGS.TXT (ignored)",
      ])
  }
}
