// Compiled with the kernels' sources for Arm by ArmCodeTests, never into the
// test bundle. The block products are generic: an encoding's product exists
// as machine code only where it is instantiated, so each function here is
// one product as WeightMatrix instantiates it, under a name the test finds.

public typealias Inputs = (QuantizedInput, QuantizedInput, QuantizedInput, QuantizedInput)

public func dotQ40(_ row: UnsafeRawPointer, _ input: QuantizedInput, blocks: Int) -> Float {
  BlockDot.dot(Q4_0Format.self, row, input, blocks: blocks, halves: HalfDecoder())
}
public func dot4Q40(_ row: UnsafeRawPointer, _ inputs: Inputs, blocks: Int) -> SIMD4<Float> {
  BlockDot.dot4(Q4_0Format.self, row, inputs, blocks: blocks, halves: HalfDecoder())
}

public func dotQ41(_ row: UnsafeRawPointer, _ input: QuantizedInput, blocks: Int) -> Float {
  BlockDot.dot(Q4_1Format.self, row, input, blocks: blocks, halves: HalfDecoder())
}
public func dot4Q41(_ row: UnsafeRawPointer, _ inputs: Inputs, blocks: Int) -> SIMD4<Float> {
  BlockDot.dot4(Q4_1Format.self, row, inputs, blocks: blocks, halves: HalfDecoder())
}

public func dotQ80(_ row: UnsafeRawPointer, _ input: QuantizedInput, blocks: Int) -> Float {
  BlockDot.dot(Q8_0Format.self, row, input, blocks: blocks, halves: HalfDecoder())
}
public func dot4Q80(_ row: UnsafeRawPointer, _ inputs: Inputs, blocks: Int) -> SIMD4<Float> {
  BlockDot.dot4(Q8_0Format.self, row, inputs, blocks: blocks, halves: HalfDecoder())
}

public func dotQ50(_ row: UnsafeRawPointer, _ input: QuantizedInput, blocks: Int) -> Float {
  BlockDot.dot(Q5_0Format.self, row, input, blocks: blocks, halves: HalfDecoder())
}
public func dot4Q50(_ row: UnsafeRawPointer, _ inputs: Inputs, blocks: Int) -> SIMD4<Float> {
  BlockDot.dot4(Q5_0Format.self, row, inputs, blocks: blocks, halves: HalfDecoder())
}

public func dotQ51(_ row: UnsafeRawPointer, _ input: QuantizedInput, blocks: Int) -> Float {
  BlockDot.dot(Q5_1Format.self, row, input, blocks: blocks, halves: HalfDecoder())
}
public func dot4Q51(_ row: UnsafeRawPointer, _ inputs: Inputs, blocks: Int) -> SIMD4<Float> {
  BlockDot.dot4(Q5_1Format.self, row, inputs, blocks: blocks, halves: HalfDecoder())
}

public func dotQ2K(_ row: UnsafeRawPointer, _ input: QuantizedInput, blocks: Int) -> Float {
  BlockDot.dot(Q2_KFormat.self, row, input, blocks: blocks, halves: HalfDecoder())
}
public func dot4Q2K(_ row: UnsafeRawPointer, _ inputs: Inputs, blocks: Int) -> SIMD4<Float> {
  BlockDot.dot4(Q2_KFormat.self, row, inputs, blocks: blocks, halves: HalfDecoder())
}

public func dotQ3K(_ row: UnsafeRawPointer, _ input: QuantizedInput, blocks: Int) -> Float {
  BlockDot.dot(Q3_KFormat.self, row, input, blocks: blocks, halves: HalfDecoder())
}
public func dot4Q3K(_ row: UnsafeRawPointer, _ inputs: Inputs, blocks: Int) -> SIMD4<Float> {
  BlockDot.dot4(Q3_KFormat.self, row, inputs, blocks: blocks, halves: HalfDecoder())
}

public func dotQ4K(_ row: UnsafeRawPointer, _ input: QuantizedInput, blocks: Int) -> Float {
  BlockDot.dot(Q4_KFormat.self, row, input, blocks: blocks, halves: HalfDecoder())
}
public func dot4Q4K(_ row: UnsafeRawPointer, _ inputs: Inputs, blocks: Int) -> SIMD4<Float> {
  BlockDot.dot4(Q4_KFormat.self, row, inputs, blocks: blocks, halves: HalfDecoder())
}

public func dotQ5K(_ row: UnsafeRawPointer, _ input: QuantizedInput, blocks: Int) -> Float {
  BlockDot.dot(Q5_KFormat.self, row, input, blocks: blocks, halves: HalfDecoder())
}
public func dot4Q5K(_ row: UnsafeRawPointer, _ inputs: Inputs, blocks: Int) -> SIMD4<Float> {
  BlockDot.dot4(Q5_KFormat.self, row, inputs, blocks: blocks, halves: HalfDecoder())
}

public func dotQ6K(_ row: UnsafeRawPointer, _ input: QuantizedInput, blocks: Int) -> Float {
  BlockDot.dot(Q6_KFormat.self, row, input, blocks: blocks, halves: HalfDecoder())
}
public func dot4Q6K(_ row: UnsafeRawPointer, _ inputs: Inputs, blocks: Int) -> SIMD4<Float> {
  BlockDot.dot4(Q6_KFormat.self, row, inputs, blocks: blocks, halves: HalfDecoder())
}

public func dotF16(_ row: UnsafeRawPointer, _ input: UnsafePointer<Float>, count: Int) -> Float {
  BlockDot.f16(row, input, count: count)
}
public func dotBF16(_ row: UnsafeRawPointer, _ input: UnsafePointer<Float>, count: Int) -> Float {
  BlockDot.bf16(row, input, count: count)
}

/// The control: a float sum in order, which no compiler may vectorize
/// without reassociating it. The test must find this one scalar.
public func scalarDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
  var total: Float = 0
  for index in 0..<count { total += a[index] * b[index] }
  return total
}
