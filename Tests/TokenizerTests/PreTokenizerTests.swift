import Testing

@testable import Tokenizer

/// Expected pieces follow from the regexes each rule family implements,
/// matched leftmost-first as a regex engine would.
@Suite struct PreTokenizerTests {
  let gpt2 = PreTokenizer(named: "gpt2")
  let smollm = PreTokenizer(named: "smollm")
  let llama3 = PreTokenizer(named: "llama-bpe")
  let qwen2 = PreTokenizer(named: "qwen2")

  @Test func families() {
    #expect(gpt2.family == "gpt2")
    #expect(PreTokenizer(named: "gpt-2").family == "gpt2")
    #expect(smollm.family == "smollm")
    #expect(PreTokenizer(named: "starcoder").family == "smollm")
    #expect(llama3.family == "llama3")
    #expect(qwen2.family == "qwen2")
    #expect(llama3.warning == nil)
    let unknown = PreTokenizer(named: "no-such-model")
    #expect(unknown.family == "gpt2")
    #expect(unknown.warning?.contains("no-such-model") == true)
    let missing = PreTokenizer(named: nil)
    #expect(missing.family == "default")
    #expect(missing.warning != nil)
  }

  @Test func digitGrouping() {
    #expect(llama3.split("12345 1234567") == ["123", "45", " ", "123", "456", "7"])
    #expect(qwen2.split("12345") == ["1", "2", "3", "4", "5"])
    #expect(smollm.split("abc 123") == ["abc", " ", "1", "2", "3"])
    #expect(gpt2.split("abc 123") == ["abc", " 123"])
    // Any Unicode number counts: Arabic-Indic digits.
    #expect(llama3.split("٣٤٥٦") == ["٣٤٥", "٦"])
  }

  @Test func contractions() {
    #expect(llama3.split("don't") == ["don", "'t"])
    #expect(llama3.split("I'M here") == ["I", "'M", " here"])
    #expect(llama3.split("they'RE") == ["they", "'RE"])
    #expect(gpt2.split("I'M here") == ["I", "'", "M", " here"])
    #expect(gpt2.split("we're") == ["we", "'re"])
    #expect(qwen2.split("YOU'LL") == ["YOU", "'LL"])
  }

  @Test func punctuationAndLineBreaks() {
    #expect(llama3.split("Hi!\n\nBye") == ["Hi", "!\n\n", "Bye"])
    #expect(llama3.split("$hello") == ["$hello"])
    #expect(llama3.split("\thello") == ["\thello"])
    #expect(gpt2.split("\thello") == ["\t", "hello"])
    #expect(gpt2.split("Hi!\n\nBye") == ["Hi", "!", "\n", "\n", "Bye"])
    #expect(llama3.split("a ...\r\nb") == ["a", " ...\r\n", "b"])
  }

  @Test func whitespaceRuns() {
    // `\s+(?!\S)` leaves the last space to the word that follows.
    #expect(gpt2.split("a   b") == ["a", "  ", " b"])
    #expect(gpt2.split("a  \n b") == ["a", "  \n", " b"])
    #expect(llama3.split("a  \n b") == ["a", "  \n", " b"])
    #expect(llama3.split("a \n\n  b") == ["a", " \n\n", " ", " b"])
    #expect(gpt2.split("hi  ") == ["hi", "  "])
    #expect(llama3.split("hi  ") == ["hi", "  "])
    #expect(gpt2.split("   x") == ["  ", " x"])
    #expect(gpt2.split(" ") == [" "])
  }

  @Test func unicodeLetters() {
    #expect(gpt2.split("héllo wörld") == ["héllo", " wörld"])
    #expect(gpt2.split("你好 世界") == ["你好", " 世界"])
    #expect(llama3.split("Привет, мир!") == ["Привет", ",", " мир", "!"])
  }

  @Test func defaultRules() {
    #expect(
      PreTokenizer(named: "default").split("Hello, world!! 12345")
        == ["Hello", ",", " world", "!!", " ", "123", "45"])
  }

  @Test func piecesCoverTheText() {
    let text = "Mixed: English, русский, 中文 🚀!\n\n  x 1234 it's\t\tend  "
    for name in [
      "gpt2", "smollm", "llama3", "qwen2", "default", "falcon", "bloom", "viking",
      "deepseek-coder",
    ] {
      #expect(PreTokenizer(named: name).split(text).joined() == text, "\(name)")
    }
  }
}
