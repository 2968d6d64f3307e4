import Foundation
import GGUF
import Tokenizer

/// A model file opened for use: the mapped file, its transformer, tokenizer
/// and chat template. Loading maps the file and reads its tables; the
/// weights stay where they are in the page cache.
public final class LanguageModel: @unchecked Sendable {
  public let path: String
  public let file: GGUFFile
  public let transformer: Transformer
  public let tokenizer: Tokenizer
  public let template: ChatTemplate
  /// How long opening took.
  public let loadDuration: Duration

  /// The context used when none is asked for: enough for a long
  /// conversation, small enough for the cache to fit a 512 MB board.
  public static let defaultContextLength = 2048

  public init(
    path: String, contextLength: Int? = nil, threads: Int? = nil
  ) throws(ModelError) {
    let clock = ContinuousClock()
    let start = clock.now
    self.path = path
    do {
      file = try GGUFFile(path: path)
    } catch {
      throw .file(error)
    }
    transformer = try Transformer(
      file: file, contextLength: contextLength ?? Self.defaultContextLength,
      threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
    do {
      tokenizer = try Tokenizer(file: file)
    } catch {
      throw .tokenizer("\(error)")
    }
    guard tokenizer.vocabularySize <= transformer.vocabularySize else {
      throw .tokenizer(
        "\(tokenizer.vocabularySize) tokens but only \(transformer.vocabularySize) embeddings")
    }
    template = ChatTemplate(file: file)
    loadDuration = start.duration(to: clock.now)
  }

  /// The model's name from its metadata, or its file name.
  public var name: String {
    transformer.config.name ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
  }
}
