import Foundation
import TestSupport
import Testing

/// The stick is an Arm board, and its kernels must run there as vector code,
/// not as a scalar loop the compiler fell back to. This machine cannot run
/// Arm code, but the toolchain can compile the kernels' sources for the
/// Pi Zero 2 W's core (Cortex-A53) in embedded mode, which needs no Arm
/// system libraries, and the machine code it writes can be read.
///
/// On aarch64 every block product must multiply integers and accumulate
/// floats in NEON registers with no call inside, and the float kernels must
/// sum in vector lanes. On 32-bit Arm (the same core under a 32-bit system)
/// the integer products must be NEON; the compiler keeps float arithmetic in
/// the scalar floating-point unit there, since NEON's float lanes do not
/// round as IEEE 754 requires.
@Suite struct ArmCodeTests {
  /// The sources of the products and vector math. A file added to the
  /// products' code must be added here; the compiler says which is missing.
  static let kernelSources = [
    "BlockDot", "BlockFormat", "ByteValues", "FiveBitFormats", "Half", "KQuantFormats",
    "QuantizedVector", "VectorMath",
  ]
  static let encodings = [
    "Q4_0", "Q4_1", "Q8_0", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K",
  ]
  /// The block products, one row with one input and with four (see
  /// ArmCode/Instances.swift).
  static let blockProducts = encodings.flatMap { encoding in
    let name = encoding.replacingOccurrences(of: "_", with: "")
    return ["dot\(name)(_:_:blocks:)", "dot4\(name)(_:_:blocks:)"]
  }
  static let floatKernels = [
    "static VectorMath.dot(_:_:count:)", "static BlockDot.f16(_:_:count:)",
    "static BlockDot.bf16(_:_:count:)", "static VectorMath.dot(halves:_:count:)",
    "static VectorMath.dot(halfRows:stride:rowCount:_:count:into:)",
    "static VectorMath.laneDot(halves:_:count:)", "static VectorMath.softmax(_:count:)",
    "static VectorMath.swiGLU(_:_:count:)", "static VectorMath.geGLU(_:_:count:)",
  ]

  /// aarch64: integer multiplies on 16-bit or wider lanes (or byte dot
  /// products), and float sums kept in four-lane registers.
  static let vectorIntegerMultiplies: Set<String> = [
    "mul.8h", "mla.8h", "mul.4s", "mla.4s", "smull.4s", "smlal.4s", "smull2.4s", "smlal2.4s",
    "sdot.4s",
  ]
  static let vectorFloatSums: Set<String> = ["fmla.4s", "fadd.4s"]
  /// 32-bit Arm: NEON's integer multiplies.
  static let neonIntegerMultiplies: Set<String> = [
    "vmul.i16", "vmla.i16", "vmull.s16", "vmlal.s16", "vmul.i32", "vmla.i32",
  ]

  @Test func blockProductsAndFloatKernelsAreVectorCodeOnAarch64() throws {
    let code = try Self.compile(target: "aarch64-none-none-elf")
    for name in Self.blockProducts {
      let function = try #require(code[name], "\(name) was not compiled")
      #expect(
        !function.mnemonics.isDisjoint(with: Self.vectorIntegerMultiplies),
        "\(name) multiplies no integers in vector registers: \(function.mnemonics.sorted())")
      #expect(
        !function.mnemonics.isDisjoint(with: Self.vectorFloatSums),
        "\(name) sums no floats in vector registers: \(function.mnemonics.sorted())")
      #expect(function.calls.isEmpty, "\(name) calls \(function.calls)")
    }
    for name in Self.floatKernels {
      let function = try #require(code[name], "\(name) was not compiled")
      #expect(
        !function.mnemonics.isDisjoint(with: Self.vectorFloatSums),
        "\(name) sums no floats in vector registers: \(function.mnemonics.sorted())")
    }
  }

  /// The check itself: a float sum in order cannot be vectorized without
  /// reassociation, and must be told apart from the kernels.
  @Test func aScalarSumIsToldApart() throws {
    let code = try Self.compile(target: "aarch64-none-none-elf")
    let control = try #require(code["scalarDot(_:_:count:)"])
    #expect(control.mnemonics.isDisjoint(with: Self.vectorFloatSums))
  }

  @Test func blockProductsMultiplyWithNEONOn32BitArm() throws {
    let code = try Self.compile(target: "armv7-none-none-eabi")
    for name in Self.blockProducts {
      let function = try #require(code[name], "\(name) was not compiled")
      #expect(
        !function.mnemonics.isDisjoint(with: Self.neonIntegerMultiplies),
        "\(name) multiplies no integers with NEON: \(function.mnemonics.sorted())")
    }
  }

  /// One compiled function: its vector instructions, each as its mnemonic
  /// and lane shape ("mla.8h" on aarch64, "vmla.i16" on 32-bit Arm), and
  /// the functions it calls.
  struct Function {
    var mnemonics: Set<String> = []
    var calls: [String] = []
  }

  /// The kernels compiled for `target` at -O for a Cortex-A53, by function
  /// (demangled, without "specialized "; a function's specializations are
  /// merged into it).
  static func compile(target: String) throws -> [String: Function] {
    let folder = try TemporaryFolder(prefix: "aistick-arm")
    let sources = Checkout.root.appendingPathComponent("Sources/Kernels")
    let extras = Checkout.root.appendingPathComponent("Tests/KernelsTests/ArmCode")
    let files =
      kernelSources.map { sources.appendingPathComponent("\($0).swift").path }
      + ["Instances.swift", "CMath.swift"].map { extras.appendingPathComponent($0).path }
    let assembly = folder.path("kernels.s")
    try requireCommand(
      "swiftc",
      [
        "-target", target, "-target-cpu", "cortex-a53", "-O", "-wmo", "-parse-as-library",
        "-enable-experimental-feature", "Embedded", "-enable-experimental-feature", "Extern",
        "-module-name", "Kernels", "-emit-assembly", "-o", assembly,
      ] + files)
    let text = try String(contentsOfFile: assembly, encoding: .utf8)

    var symbols: [String] = []
    var bodies: [[Substring]] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      // A function's label, maybe followed by a comment: "$e7Kernels...: // @...".
      let label = line.prefix { $0 != " " && $0 != "\t" }
      if label.hasPrefix("$e"), label.hasSuffix(":") {
        symbols.append(String(label.dropLast()))
        bodies.append([])
      } else if line.hasPrefix(".Lfunc_end") {
        continue
      } else if line.hasPrefix("\t"), !bodies.isEmpty {
        bodies[bodies.count - 1].append(line.dropFirst())
      }
    }
    let names = try demangle(symbols + bodies.flatMap { $0.compactMap(calledSymbol) })
    var functions: [String: Function] = [:]
    for (symbol, body) in zip(symbols, bodies) {
      var name = names[symbol] ?? symbol
      if name.hasPrefix("specialized ") { name.removeFirst("specialized ".count) }
      var function = functions[name] ?? Function()
      for instruction in body {
        if let mnemonic = vectorMnemonic(instruction) { function.mnemonics.insert(mnemonic) }
        if let callee = calledSymbol(instruction) { function.calls.append(names[callee] ?? callee) }
      }
      functions[name] = function
    }
    return functions
  }

  /// "mla\tv1.8h, v2.8h, v3.8h" gives "mla.8h"; "vmla.i16\tq9, q12, q10"
  /// gives "vmla.i16"; scalar instructions give nil.
  static func vectorMnemonic(_ instruction: Substring) -> String? {
    let parts = instruction.split(separator: "\t", maxSplits: 1)
    guard parts.count == 2 else { return nil }
    let mnemonic = parts[0]
    let firstOperand = parts[1].prefix { $0 != "," }
    if firstOperand.hasPrefix("v"), let dot = firstOperand.firstIndex(of: ".") {
      return "\(mnemonic)\(firstOperand[dot...])"
    }
    if mnemonic.hasPrefix("v"), mnemonic.contains("."),
      firstOperand.hasPrefix("q") || (firstOperand.hasPrefix("d") && !mnemonic.hasSuffix("f64"))
    {
      return String(mnemonic)
    }
    return nil
  }

  /// The symbol a call instruction branches to.
  static func calledSymbol(_ instruction: Substring) -> String? {
    guard instruction.hasPrefix("bl\t") else { return nil }
    return String(instruction.dropFirst(3))
  }

  /// Readable names for symbols, from the toolchain's demangler.
  static func demangle(_ symbols: [String]) throws -> [String: String] {
    let unique = Array(Set(symbols))
    let result = try runCommand(
      "swift", ["demangle", "--simplified"], input: unique.joined(separator: "\n") + "\n")
    let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
    guard result.status == 0, lines.count >= unique.count else {
      throw CommandFailure(message: "swift demangle failed: \(result.errors)")
    }
    return Dictionary(uniqueKeysWithValues: zip(unique, lines.map(String.init)))
  }
}
