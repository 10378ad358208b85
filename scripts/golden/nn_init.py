# Prints the PyTorch 1.13 values that tests/nn/test_init.cpp asserts (torch.nn.init and the layers' default
# initialisation for fixed seeds). Usage: python scripts/golden/nn_init.py
import math

import torch
import torch.nn as nn
import torch.nn.init as init


def show(label, t):
    digits = 17 if t.dtype == torch.float64 else 9
    vals = ", ".join(format(v, f".{digits}g") for v in t.double().flatten().tolist())
    print(f"{label} {list(t.shape)}: {{{vals}}}")


for name, param in [("linear", None), ("conv2d", None), ("conv_transpose3d", None), ("sigmoid", None),
                    ("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
    print(f"gain {name} {param}: {init.calculate_gain(name, param)!r}")
print("fans (3, 4, 5, 2):", init._calculate_fan_in_and_fan_out(torch.empty(3, 4, 5, 2)))

torch.manual_seed(0)
show("uniform_(-1, 2) seed 0", init.uniform_(torch.empty(2, 3), -1, 2))
torch.manual_seed(1)
show("normal_(0.5, 2) seed 1", init.normal_(torch.empty(2, 3), 0.5, 2))
torch.manual_seed(2)
show("xavier_uniform_ gain 2 (3, 5) seed 2", init.xavier_uniform_(torch.empty(3, 5), gain=2))
torch.manual_seed(3)
show("xavier_normal_ (4, 5) seed 3", init.xavier_normal_(torch.empty(4, 5)))
torch.manual_seed(4)
show("kaiming_uniform_ a 0.1 fan_out (4, 3, 2) seed 4",
     init.kaiming_uniform_(torch.empty(4, 3, 2), a=0.1, mode="fan_out"))
torch.manual_seed(5)
show("kaiming_normal_ relu (3, 2) seed 5", init.kaiming_normal_(torch.empty(3, 2), nonlinearity="relu"))
torch.manual_seed(6)
show("trunc_normal_ (0.5, 1, -1, 1.5) (2, 4) seed 6", init.trunc_normal_(torch.empty(2, 4), 0.5, 1, -1, 1.5))
torch.manual_seed(7)
show("orthogonal_ (3, 5) seed 7", init.orthogonal_(torch.empty(3, 5)))
torch.manual_seed(7)
show("orthogonal_ (5, 3) seed 7", init.orthogonal_(torch.empty(5, 3)))
torch.manual_seed(7)
show("orthogonal_ gain 2 (4, 2, 2) seed 7", init.orthogonal_(torch.empty(4, 2, 2), gain=2))
show("eye_ (3, 4)", init.eye_(torch.empty(3, 4)))
show("dirac_ groups 2 (4, 2, 3)", init.dirac_(torch.empty(4, 2, 3), groups=2))
show("dirac_ (2, 3, 3, 2)", init.dirac_(torch.empty(2, 3, 3, 2)))

g = torch.Generator().manual_seed(42)
show("uniform generator 42", torch.empty(3).uniform_(0, 1, generator=g))

torch.manual_seed(8)
m = nn.Linear(3, 2)
show("Linear(3, 2) seed 8 weight", m.weight)
show("Linear(3, 2) seed 8 bias", m.bias)
torch.manual_seed(9)
m = nn.Conv2d(2, 3, (2, 1))
show("Conv2d(2, 3, (2, 1)) seed 9 weight", m.weight)
show("Conv2d(2, 3, (2, 1)) seed 9 bias", m.bias)
torch.manual_seed(10)
m = nn.Embedding(4, 3, padding_idx=1)
show("Embedding(4, 3, padding_idx=1) seed 10", m.weight)
torch.manual_seed(11)
m = nn.GRU(1, 2)
for name, p in m.named_parameters():
    show(f"GRU(1, 2) seed 11 {name}", p)
torch.manual_seed(12)
m = nn.MultiheadAttention(2, 1, add_bias_kv=True)
for name, p in m.named_parameters():
    show(f"MultiheadAttention(2, 1, add_bias_kv) seed 12 {name}", p)
