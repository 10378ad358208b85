# Checks by hand that Python's safetensors reads a file ember wrote and would write the same bytes.
# Run: /tmp/torchenv/bin/python scripts/golden/safetensors_interop.py FILE.safetensors
# (needs `pip install safetensors`; FILE comes from ember::save with at most one metadata entry, since
# Python writes several metadata entries in hash order while ember sorts them).
import sys

from safetensors import safe_open
from safetensors.torch import load_file, save

path = sys.argv[1]
tensors = load_file(path)
with safe_open(path, "pt") as f:
    metadata = f.metadata()
for name, t in tensors.items():
    print(name, t.dtype, list(t.shape), t.tolist())
print("metadata", metadata)
with open(path, "rb") as f:
    ember_bytes = f.read()
python_bytes = save(tensors, metadata=metadata)
print("byte-identical to Python's save:", ember_bytes == python_bytes)
