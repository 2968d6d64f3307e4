import GGUF
import Kernels

/// Why a model cannot be run, in words a person can act on.
public enum ModelError: Error, CustomStringConvertible {
  case file(GGUFError)
  case kernel(KernelError)
  case unsupportedArchitecture(String)
  case missingTensor(String)
  case badHyperparameter(String)
  case tokenizer(String)

  public var description: String {
    switch self {
    case .file(let error): "\(error)"
    case .kernel(let error): "\(error)"
    case .unsupportedArchitecture(let name):
      "the model's architecture '\(name)' is not supported (supported: "
        + ModelConfig.supportedArchitectures.sorted().joined(separator: ", ") + ")"
    case .missingTensor(let name): "the model has no tensor '\(name)'"
    case .badHyperparameter(let what): "the model's hyperparameters are not usable: \(what)"
    case .tokenizer(let what): "the model's tokenizer cannot be used: \(what)"
    }
  }
}
