# Values for tests/nn/test_module.cpp: default Linear init for a seed, and module printing.
import torch
import torch.nn as nn

torch.manual_seed(0)
l = nn.Linear(3, 2)
print("weight", [round(v, 6) for v in l.weight.flatten().tolist()])
print("bias", [round(v, 6) for v in l.bias.flatten().tolist()])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.norm = nn.LayerNorm(3)
        self.drop = nn.Dropout(0.25)
        self.fc2 = nn.Linear(3, 2, bias=False)


print(repr(Net()))
print([n for n, _ in Net().named_parameters()])
print(list(Net().state_dict().keys()))
