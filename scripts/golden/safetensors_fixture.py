# Writes tests/data_files/python_fixture.safetensors with Python's safetensors (one tensor per dtype, a
# 0-d and an empty tensor, one metadata entry with characters JSON must escape) and prints its contents.
# Run: /tmp/torchenv/bin/python scripts/golden/safetensors_fixture.py  (needs `pip install safetensors`)
import os
import struct

import torch
from safetensors.torch import save_file

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "..", "..", "tests", "data_files", "python_fixture.safetensors")

tensors = {
    "weight": torch.tensor([[0.5, -1.25, 3.0], [1e-8, -0.0, 65504.0]], dtype=torch.float32),
    "bias": torch.tensor([0.1, -2.5, 1e300], dtype=torch.float64),
    "half": torch.tensor([1.5, -2.0, 65504.0, 6.1035e-05], dtype=torch.float16),
    "brain": torch.tensor([1.0, -3.140625], dtype=torch.bfloat16),
    "long": torch.tensor([[2**40, -1], [-(2**62), 7]], dtype=torch.int64),
    "int": torch.tensor([-7, 0, 2**31 - 1], dtype=torch.int32),
    "short": torch.tensor([-32768, 1234], dtype=torch.int16),
    "char": torch.tensor([-128, 0, 127], dtype=torch.int8),
    "byte": torch.tensor([0, 200, 255], dtype=torch.uint8),
    "mask": torch.tensor([True, False, False, True]),
    "scalar": torch.tensor(2.5),
    "empty": torch.zeros(0, 3),
    "layer.0.名前": torch.tensor([1, 2], dtype=torch.int16),
}
metadata = {"config": '{"lr": 0.1, "name": "modèle\n\t\\"}'}
save_file(tensors, path, metadata=metadata)

with open(path, "rb") as f:
    data = f.read()
n = struct.unpack("<Q", data[:8])[0]
print("size", len(data), "header", n)
print(data[8 : 8 + n].decode())
for name, t in tensors.items():
    print(name, t.dtype, list(t.shape), t.tolist() if t.dtype != torch.bfloat16 else t.float().tolist())
