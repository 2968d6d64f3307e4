/// Typed look-ups of metadata, throwing an error that names the key.
extension GGUFFile {
  public func string(_ key: String) throws(GGUFError) -> String {
    guard let value = metadata[key] else { throw .missingKey(key) }
    guard let string = value.string else { throw .wrongType(key: key, expected: "a string") }
    return string
  }

  public func integer(_ key: String) throws(GGUFError) -> Int {
    guard let value = metadata[key] else { throw .missingKey(key) }
    guard let number = value.integer else { throw .wrongType(key: key, expected: "an integer") }
    return number
  }

  public func float(_ key: String) throws(GGUFError) -> Float {
    guard let value = metadata[key] else { throw .missingKey(key) }
    guard let number = value.float else { throw .wrongType(key: key, expected: "a number") }
    return Float(number)
  }

  public func bool(_ key: String) throws(GGUFError) -> Bool {
    guard let value = metadata[key] else { throw .missingKey(key) }
    guard let flag = value.bool else { throw .wrongType(key: key, expected: "a bool") }
    return flag
  }

  public func strings(_ key: String) throws(GGUFError) -> [String] {
    guard let value = metadata[key] else { throw .missingKey(key) }
    guard let strings = value.array?.strings else {
      throw .wrongType(key: key, expected: "an array of strings")
    }
    return strings
  }

  public func floats(_ key: String) throws(GGUFError) -> [Float] {
    guard let value = metadata[key] else { throw .missingKey(key) }
    guard let floats = value.array?.floats else {
      throw .wrongType(key: key, expected: "an array of numbers")
    }
    return floats
  }

  public func integers(_ key: String) throws(GGUFError) -> [Int] {
    guard let value = metadata[key] else { throw .missingKey(key) }
    guard let integers = value.array?.integers else {
      throw .wrongType(key: key, expected: "an array of integers")
    }
    return integers
  }

  /// The value of `key` if present, or `nil`; a present value of the wrong
  /// type is still an error, so a damaged file is not silently misread.
  public func optional<T>(
    _ key: String, _ lookup: (GGUFFile) -> (String) throws(GGUFError) -> T
  ) throws(GGUFError) -> T? {
    guard metadata[key] != nil else { return nil }
    return try lookup(self)(key)
  }
}
