import Foundation
import LLM
import Tokenizer

/// What answers a conversation: the model on the board, or a server elsewhere.
/// The watcher, the drive and the HTTP API all go through this one seam, and
/// through one `AnswerQueue`, which lets one answer run at a time.
public protocol AnswerEngine: AnyObject {
  /// The name written in the answer marker, and the model's id in the HTTP API.
  var modelName: String { get }
  /// The system prompt the model's template uses when none is given.
  var defaultSystemPrompt: String? { get }
  /// Said when the model's chat template is not recognised and ChatML is used.
  var templateWarning: String? { get }
  /// Measures prompts as this engine feeds them; nil when it cannot tell
  /// (an engine elsewhere decides for itself).
  var promptMeasure: (any PromptMeasure)? { get }
  /// Answers `prompt`, calling `onText` with each piece as it is made;
  /// returning false from `onText` stops the answer.
  func answer(
    _ prompt: AnswerPrompt, options: GenerationOptions, onText: (String) -> Bool
  ) -> GenerationResult
  /// Answers as `answer` does, or says why it could not: a server elsewhere can be unreachable,
  /// slow, or stop in the middle. The model on the board always answers.
  func attempt(
    _ prompt: AnswerPrompt, options: GenerationOptions, onText: (String) -> Bool
  ) throws(EngineFailure) -> GenerationResult
}

extension AnswerEngine {
  public func attempt(
    _ prompt: AnswerPrompt, options: GenerationOptions, onText: (String) -> Bool
  ) throws(EngineFailure) -> GenerationResult {
    answer(prompt, options: options, onText: onText)
  }
}

/// Why an engine did not answer, as a sentence for STATUS.TXT and the log.
public struct EngineFailure: Error, Sendable, CustomStringConvertible {
  public let description: String
  /// Whether some of the answer had been passed on before it failed.
  public let afterText: Bool

  public init(_ description: String, afterText: Bool) {
    self.description = description
    self.afterText = afterText
  }
}

/// The model on the board.
public final class LocalEngine: AnswerEngine {
  public let model: LanguageModel
  private let generator: Generator

  public init(model: LanguageModel) {
    self.model = model
    generator = Generator(model: model)
  }

  public var modelName: String {
    URL(fileURLWithPath: model.path).deletingPathExtension().lastPathComponent
  }

  public var defaultSystemPrompt: String? { model.template.defaultSystemPrompt }

  public var templateWarning: String? { model.template.warning }

  public var promptMeasure: (any PromptMeasure)? { model }

  public func answer(
    _ prompt: AnswerPrompt, options: GenerationOptions, onText: (String) -> Bool
  ) -> GenerationResult {
    switch prompt {
    case .conversation(let messages):
      generator.chat(messages, options: options, onText: onText)
    case .text(let text):
      generator.complete(text, options: options, onText: onText)
    }
  }
}

extension Settings {
  /// The generation options these settings ask for.
  public var generationOptions: GenerationOptions {
    var sampling = SamplingOptions()
    sampling.temperature = temperature
    sampling.topP = topP
    sampling.seed = seed
    return GenerationOptions(maxTokens: maxTokens, sampling: sampling)
  }
}
