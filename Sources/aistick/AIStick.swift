import ArgumentParser

@main
struct AIStick: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "aistick",
    abstract: "A language model on a USB stick: answers the questions dropped on the drive.",
    subcommands: [
      Generate.self, Chat.self, Tokenize.self, Model.self, Watch.self, Serve.self, Probe.self,
      Bench.self, Quantize.self,
    ])
}
