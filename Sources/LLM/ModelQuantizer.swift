import Foundation
import GGUF
import Kernels

/// Why a model could not be re-encoded.
public enum QuantizeError: Error, Equatable, CustomStringConvertible {
  case unknownType(String)
  case outputExists(String)
  case input(GGUFError)
  /// A tensor in a type there is no decoder for.
  case cannotDecode(tensor: String, type: TensorType)
  case cannotWrite(path: String, reason: String)

  public var description: String {
    switch self {
    case .unknownType(let name):
      "unknown type '\(name)' (known: \(QuantizationScheme.names.joined(separator: ", ")))"
    case .outputExists(let path): "\(path) exists; pass --force to replace it"
    case .input(let error): "\(error)"
    case .cannotDecode(let tensor, let type):
      "tensor '\(tensor)' is \(type), which cannot be decoded to re-encode it"
    case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
    }
  }
}

/// What a re-encoding did, for the person who asked for it.
public struct QuantizeReport: Sendable {
  /// Tensors re-encoded per type.
  public var tensorsPerType: [TensorType: Int] = [:]
  /// Weights whose rows did not fit the chosen type, and what they became.
  public var fallbacks: [String] = []
  /// Tensors in which values that were not finite numbers became 0.
  public var repairedTensors: [String] = []
  public var outputBytes = 0
}

/// Re-encodes a GGUF model's weights in another tensor type: the metadata is
/// copied (with `general.file_type` updated), each weight matrix decoded to
/// floats and encoded again as `QuantizationScheme` chooses. The file is
/// written beside the output path and renamed into place when complete.
public struct ModelQuantizer: Sendable {
  public let scheme: QuantizationScheme

  public init(scheme: QuantizationScheme) {
    self.scheme = scheme
  }

  /// One output tensor: where its data comes from and what it becomes.
  struct Plan {
    let info: TensorInfo
    let type: TensorType
    /// Whether the bytes are copied unchanged rather than re-encoded.
    let copies: Bool
    var byteCount: Int { type.rowBytes(elements: info.rowElements)! * info.rowCount }
  }

  public func quantize(
    input: String, output: String, force: Bool = false, threads: Int? = nil
  ) throws(QuantizeError) -> QuantizeReport {
    if !force, FileManager.default.fileExists(atPath: output) { throw .outputExists(output) }
    let file: GGUFFile
    do { file = try GGUFFile(path: input) } catch { throw .input(error) }
    var report = QuantizeReport()
    let plans = try plan(file, report: &report)

    var writer = GGUFWriter(alignment: file.alignment)
    for key in file.metadataKeys where key != "general.alignment" {
      writer.set(key, file.metadata[key]!)
    }
    writer.set("general.file_type", .uint32(scheme.fileType))
    writer.set("general.quantization_version", .uint32(2))
    for plan in plans {
      writer.addTensor(plan.info.name, dimensions: plan.info.dimensions, type: plan.type, data: [])
    }

    let temporary = output + ".partial"
    guard FileManager.default.createFile(atPath: temporary, contents: nil),
      let handle = FileHandle(forWritingAtPath: temporary)
    else { throw .cannotWrite(path: output, reason: "cannot create \(temporary)") }
    do {
      defer { try? handle.close() }
      let header = writer.header(byteCounts: plans.map(\.byteCount))
      try handle.write(contentsOf: header)
      report.outputBytes = header.count
      for plan in plans {
        if plan.copies {
          try handle.write(
            contentsOf: Data(bytes: file.data(of: plan.info), count: plan.info.byteCount))
        } else {
          let repaired = try encode(plan, from: file, threads: threads) {
            try handle.write(contentsOf: $0)
          }
          if repaired { report.repairedTensors.append(plan.info.name) }
          report.tensorsPerType[plan.type, default: 0] += 1
        }
        try handle.write(contentsOf: writer.padding(after: plan.byteCount))
        report.outputBytes += plan.byteCount + writer.padding(after: plan.byteCount).count
      }
      try handle.synchronize()
      try handle.close()
      if FileManager.default.fileExists(atPath: output) {
        try FileManager.default.removeItem(atPath: output)
      }
      try FileManager.default.moveItem(atPath: temporary, toPath: output)
    } catch let error as QuantizeError {
      try? FileManager.default.removeItem(atPath: temporary)
      throw error
    } catch {
      try? FileManager.default.removeItem(atPath: temporary)
      throw .cannotWrite(path: output, reason: "\(error)")
    }
    return report
  }

  /// The output type of every tensor, in file order.
  func plan(_ file: GGUFFile, report: inout QuantizeReport) throws(QuantizeError) -> [Plan] {
    let hasOutput = file.tensor(named: "output.weight") != nil
    let layers = Set(file.tensors.compactMap { QuantizationScheme.layer(of: $0.name) }).count
    var plans: [Plan] = []
    for info in file.tensors {
      let decodable = WeightMatrix.supportedTypes.contains(info.type)
      var target = info.type
      if info.name.hasSuffix("weight") && info.dimensions.count >= 2 {
        let choice = scheme.type(
          for: info.name, columns: info.rowElements, layers: layers, hasOutput: hasOutput)
        target = choice.type
        if let fallback = choice.fallback { report.fallbacks.append(fallback) }
      } else if info.dimensions.count == 1, decodable {
        target = .f32
      }
      if target != info.type && !decodable {
        throw .cannotDecode(tensor: info.name, type: info.type)
      }
      plans.append(Plan(info: info, type: target, copies: target == info.type))
    }
    return plans
  }

  /// Decodes and encodes one tensor a slice of rows at a time, the rows of a
  /// slice spread over the processors, handing each slice's bytes to
  /// `write`. Returns whether values that were not finite became 0.
  func encode(
    _ plan: Plan, from file: GGUFFile, threads: Int?,
    write: (Data) throws -> Void
  ) throws -> Bool {
    let columns = plan.info.rowElements
    let inputRowBytes = plan.info.type.rowBytes(elements: columns)!
    let outputRowBytes = plan.type.rowBytes(elements: columns)!
    let source = file.data(of: plan.info)
    let sliceRows = max(1, min(plan.info.rowCount, (8 << 20) / max(outputRowBytes, 1)))
    let workers = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
    var slice = Data(count: sliceRows * outputRowBytes)
    let repaired = Repairs()
    var first = 0
    while first < plan.info.rowCount {
      let rows = min(sliceRows, plan.info.rowCount - first)
      let start = first
      slice.withUnsafeMutableBytes { target in
        let buffers = RowBuffers(source: source, target: target.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: min(workers, rows)) { worker in
          let floats = UnsafeMutablePointer<Float>.allocate(capacity: columns)
          defer { floats.deallocate() }
          var row = worker
          while row < rows {
            Dequantize.row(
              type: plan.info.type, buffers.source + (start + row) * inputRowBytes, count: columns,
              into: floats)
            for index in 0..<columns where !floats[index].isFinite {
              floats[index] = 0
              repaired.mark()
            }
            Quantize.row(
              floats, count: columns, as: plan.type,
              into: buffers.target + row * outputRowBytes)
            row += min(workers, rows)
          }
        }
      }
      try write(rows == sliceRows ? slice : slice.prefix(rows * outputRowBytes))
      first += rows
    }
    return repaired.happened
  }
}

/// The mapped tensor and the slice being written, handed to the worker
/// threads: they read it and write disjoint rows of the slice.
private struct RowBuffers: @unchecked Sendable {
  let source: UnsafeRawPointer
  let target: UnsafeMutableRawPointer
}

/// Whether any worker replaced a value that was not a finite number.
private final class Repairs: @unchecked Sendable {
  private let lock = NSLock()
  private var marked = false
  func mark() { lock.withLock { marked = true } }
  var happened: Bool { lock.withLock { marked } }
}
