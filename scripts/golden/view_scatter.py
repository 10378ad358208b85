# Prints the PyTorch 1.13 values asserted by tests/eager/test_view_scatter.cpp.
import torch

print(torch.as_strided_scatter(torch.zeros(2, 3), torch.tensor([1.0, 2, 3]), (3,), (1,), 3).flatten().tolist())
print(torch.as_strided_scatter(torch.zeros(2, 3), torch.tensor([4.0, 5]), (2,), (3,), 1).flatten().tolist())
print(torch.as_strided_scatter(torch.ones(4), torch.tensor([7.0, 8]), (2,), (2,)).tolist())
x = torch.arange(12.0).view(3, 4)
print(torch.as_strided_scatter(x, x.t()[2] * 10, (3,), (4,), 2).flatten().tolist())
print(torch.as_strided_scatter(torch.zeros(3, dtype=torch.long), torch.tensor([2.75], dtype=torch.double), (1,), (1,), 1).tolist())
