import GGUF

/// Which tensor type each weight of a model gets when it is re-encoded: one
/// type for all, or a mix named after the reference tools' `Q4_K_M` and
/// `Q5_K_M`.
///
/// Rules, approximating the reference quantizer's:
/// - Tensors of one dimension (norms, biases) are stored as F32; tensors not
///   named `*.weight` keep their type.
/// - The output matrix (or the token embedding when it doubles as the
///   output) gets Q6_K, unless the scheme is F32, F16, BF16 or Q8_0.
/// - In the mixes, `attn_v` and `ffn_down` get Q6_K in the first and last
///   eighth of the layers and in every third layer between; everything else
///   gets the base type (Q4_K or Q5_K).
/// - A row length that K-quants' blocks of 256 do not divide takes a
///   32-element type instead: Q4_K becomes Q5_0, Q5_K Q5_1, Q6_K Q8_0, Q2_K
///   and Q3_K Q4_0; one that 32 does not divide takes F16.
public enum QuantizationScheme: Sendable, Equatable, CustomStringConvertible {
  case uniform(TensorType)
  /// The `_M` mix over a K-quant base type.
  case mix(TensorType)

  /// The names `--type` takes.
  public static let names = [
    "Q4_K_M", "Q5_K_M", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_0", "Q4_0", "Q4_1",
    "Q5_0", "Q5_1", "F16", "BF16", "F32",
  ]

  public init?(name: String) {
    switch name.uppercased() {
    case "Q4_K_M": self = .mix(.q4_K)
    case "Q5_K_M": self = .mix(.q5_K)
    case "Q4_K_S": self = .uniform(.q4_K)
    case "Q5_K_S": self = .uniform(.q5_K)
    default:
      guard Self.names.contains(name.uppercased()),
        let type = TensorType.allCases.first(where: { $0.description == name.uppercased() })
      else { return nil }
      self = .uniform(type)
    }
  }

  public var description: String {
    switch self {
    case .uniform(let type): type.description
    case .mix(let type): type == .q4_K ? "Q4_K_M" : "Q5_K_M"
    }
  }

  var baseType: TensorType {
    switch self {
    case .uniform(let type), .mix(let type): type
    }
  }

  /// `general.file_type` as the reference runtime numbers its file types.
  public var fileType: UInt32 {
    switch self {
    case .mix(let type): type == .q4_K ? 15 : 17
    case .uniform(let type):
      switch type {
      case .f32: 0
      case .f16: 1
      case .q4_0: 2
      case .q4_1: 3
      case .q8_0: 7
      case .q5_0: 8
      case .q5_1: 9
      case .q2_K: 10
      case .q3_K: 11
      case .q4_K: 14
      case .q5_K: 16
      case .q6_K: 18
      case .bf16: 32
      default: 0
      }
    }
  }

  /// The type for a weight matrix named `name` with rows of `columns`
  /// elements, in a model of `layers` layers with the output matrix
  /// `hasOutput` (or tied to the token embedding), and why it differs from
  /// the rules' choice when a row does not fit its blocks.
  func type(
    for name: String, columns: Int, layers: Int, hasOutput: Bool
  ) -> (type: TensorType, fallback: String?) {
    var chosen = baseType
    let isOutput = name == "output.weight" || (!hasOutput && name == "token_embd.weight")
    if isOutput, ![.f32, .f16, .bf16, .q8_0].contains(baseType) {
      chosen = columns % 256 == 0 ? .q6_K : .q8_0
    } else if case .mix = self, name.hasSuffix("attn_v.weight") || name.contains("ffn_down"),
      let layer = Self.layer(of: name), Self.usesMoreBits(layer: layer, of: layers)
    {
      chosen = .q6_K
    }
    guard columns % chosen.blockElements != 0 else { return (chosen, nil) }
    let replacement: TensorType =
      switch chosen {
      case .q4_K: .q5_0
      case .q5_K: .q5_1
      case .q6_K: .q8_0
      case .q2_K, .q3_K: .q4_0
      default: .f16
      }
    let final = columns % replacement.blockElements == 0 ? replacement : .f16
    return (
      final,
      "\(name): rows of \(columns) do not fill \(chosen) blocks of \(chosen.blockElements); "
        + "stored as \(final)"
    )
  }

  /// The layer number in a name like `blk.12.ffn_down.weight`.
  static func layer(of name: String) -> Int? {
    let parts = name.split(separator: ".")
    guard parts.count > 2, parts[0] == "blk" else { return nil }
    return Int(parts[1])
  }

  /// The first and last eighth of the layers, and every third between.
  static func usesMoreBits(layer: Int, of layers: Int) -> Bool {
    layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2
  }
}
