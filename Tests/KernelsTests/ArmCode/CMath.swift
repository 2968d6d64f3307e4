// The embedded build has no C library module: the two functions of libm
// that VectorMath calls, declared directly.
@_extern(c, "expf") func expf(_ x: Float) -> Float
@_extern(c, "tanhf") func tanhf(_ x: Float) -> Float
