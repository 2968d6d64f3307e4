import Foundation
import GGUF
import TestSupport
import Testing

@testable import Tokenizer

/// The model the project installs, found from this file's location.
enum RealModel {
  static let path = Checkout.defaultModelPath

  static let file: Result<GGUFFile, GGUFError> = Result { () throws(GGUFError) in
    try GGUFFile(path: path)
  }

  /// The model file, or a test failure saying how to get it.
  static func load() throws -> GGUFFile {
    switch file {
    case .success(let file): return file
    case .failure(let error):
      Issue.record("cannot read \(path) (\(error)); run scripts/install to install the model")
      throw error
    }
  }

  static let tokenizer: Result<Tokenizer, any Error> = Result {
    guard case .success(let file) = file else { throw GGUFError.missingKey("model") }
    return try Tokenizer(file: file)
  }

  static func loadTokenizer() throws -> Tokenizer {
    _ = try load()
    return try tokenizer.get()
  }
}

/// A small GGUF file with the given tokenizer metadata.
func makeFile(_ build: (inout GGUFWriter) -> Void) throws -> GGUFFile {
  var writer = GGUFWriter()
  build(&writer)
  return try GGUFFile(memory: MappedMemory(copying: writer.bytes()))
}
