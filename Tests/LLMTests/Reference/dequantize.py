"""Decodes every tensor of a GGUF file with the reference runtime's own Python
package (gguf, whose `gguf.quants` defines each tensor type's decoding) and
writes the values as little-endian float32, tensor after tensor in file
order, for the tests to compare with this engine's decoders.

Usage: dequantize.py MODEL.gguf OUTPUT.f32
"""

import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


def main() -> None:
    model, output = sys.argv[1], sys.argv[2]
    reader = GGUFReader(model)
    with open(output, "wb") as target:
        for tensor in reader.tensors:
            values = dequantize(tensor.data, tensor.tensor_type)
            target.write(np.ascontiguousarray(values, dtype="<f4").tobytes())


if __name__ == "__main__":
    main()
