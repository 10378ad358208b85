# Golden gradients for tests/autograd/test_grad_conv.cpp (PyTorch 1.13): run with /tmp/torchenv/bin/python.
import torch
import torch.nn.functional as F

torch.set_printoptions(precision=10)
x = (torch.arange(80, dtype=torch.float64).reshape(1, 4, 4, 5) * 0.37).sin().requires_grad_()
w = (torch.arange(16, dtype=torch.float64).reshape(4, 2, 2, 1) * 0.53).cos().requires_grad_()
b = torch.tensor([0.1, -0.2, 0.3, 0.4], dtype=torch.float64, requires_grad=True)
y = F.conv2d(x, w, b, stride=2, padding=1, dilation=2, groups=2)
gy = (torch.arange(y.numel(), dtype=torch.float64).reshape(y.shape) * 0.5 - 1)
y.backward(gy)
print("conv out shape", list(y.shape), y.grad_fn.name())
print("conv dx", x.grad.flatten().tolist())
print("conv dw", w.grad.flatten().tolist())
print("conv db", b.grad.flatten().tolist())

p = torch.tensor([[[[1., 5., 2., 0.], [3., 4., 9., 1.], [0., 2., 6., 8.], [7., 1., 3., 2.]]]], dtype=torch.float64,
                 requires_grad=True)
m = F.max_pool2d(p, 3, 1)
m.backward(torch.tensor([[[[1., 2.], [3., 4.]]]], dtype=torch.float64))
print("maxpool out", m.flatten().tolist(), m.grad_fn.name())
print("maxpool dx", p.grad.flatten().tolist())
