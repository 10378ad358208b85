# Golden values for tests/autograd/test_grad_views.cpp (PyTorch 1.13): gradients through views,
# joins and copies, the errors for in-place writes into views, and grad_fn names.
import torch

torch.set_printoptions(precision=17)


def show(name, value):
    if isinstance(value, torch.Tensor):
        print(f"{name}: {value.dtype} {list(value.shape)} {value.flatten().tolist()}")
    else:
        print(f"{name}: {value}")


def err(fn):
    try:
        fn()
    except RuntimeError as e:
        return str(e).split("\n")[0]
    return "no error"


x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=torch.float64, requires_grad=True)
y = x * 1.0
y.select(0, 1).mul_(2)
y.sum().backward()
show("inplace on select of non-leaf: x.grad", x.grad)
show("grad_fn of y after the write", type(y.grad_fn).__name__)

x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=torch.float64, requires_grad=True)
y = x * 1.0
v = y.select(0, 1)
show("view before write", v.grad_fn.name())
v.mul_(2)
show("view after write", v.grad_fn.name())
(v * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
show("grad through the rewritten view", x.grad)

x = torch.randn(3, 2, requires_grad=True)
x = x * 1.0  # a non-leaf base: see the note in the test
show("unbind inplace", err(lambda: x.unbind(0)[0].mul_(2)))
show("split inplace", err(lambda: x.split(2)[1].add_(1)))
x = torch.randn(3, 2, requires_grad=True)
show("view of leaf inplace", err(lambda: x.select(0, 0).mul_(2)))
show("leaf inplace", err(lambda: x.mul_(2)))

x = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=torch.float64, requires_grad=True)
parts = x.unbind(0)
(parts[1] * torch.tensor([3.0, 4.0], dtype=torch.float64)).sum().backward()
show("unbind: unused outputs get zeros", x.grad)

x = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=torch.float64, requires_grad=True)
x.unfold(0, 3, 1).sum().backward()
show("unfold overlapping", x.grad)
x.grad = None
x.unfold(0, 2, 2).sum().backward()
show("unfold with a gap", x.grad)

x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
(x.repeat(3, 2) * torch.arange(12, dtype=torch.float64).reshape(3, 4)).sum().backward()
show("repeat", x.grad)

x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
y = torch.zeros(2, 3)  # float32
y.copy_(x)
show("copy_ dtype change: grad_fn", y.grad_fn.name())
(y * torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
show("copy_ broadcast + dtype change: x.grad", x.grad)

x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
y = x.to(torch.float32)
show("to float32 grad_fn", y.grad_fn.name())
(y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
show("to float32: x.grad", x.grad)

x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
y = x * 2
y.fill_(3)
show("fill_ grad_fn", y.grad_fn.name())
(y * x).sum().backward()
show("fill_ on non-leaf: x.grad", x.grad)

x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
d = x.detach()
show("detach requires_grad", d.requires_grad)
show("detach grad_fn", d.grad_fn)
show("clone grad_fn", x.clone().grad_fn.name())

m = torch.randn(2, 1, 3, requires_grad=True)
names = {
    "transpose": m.transpose(0, 1),
    "t": m[0].t(),
    "permute": m.permute(2, 0, 1),
    "squeeze": m.squeeze(),
    "squeeze.dim": m.squeeze(1),
    "unsqueeze": m.unsqueeze(0),
    "expand": m.expand(2, 2, 3),
    "select": m.select(0, 1),
    "slice": m[:, :, 1:],
    "narrow": m.narrow(2, 0, 2),
    "unfold": m.unfold(2, 2, 1),
    "diagonal": m.diagonal(0, 0, 2),
    "split": m.split(1)[0],
    "split_with_sizes": m.split([1, 2], 2)[1],
    "chunk": m.chunk(2)[0],
    "unbind": m.unbind(0)[0],
    "view": m.view(6),
    "movedim": m.movedim(0, 2),
    "as_strided": m.as_strided((2,), (1,)),
    "cat": torch.cat([m, m]),
    "stack": torch.stack([m, m]),
    "flip": m.flip(0),
    "roll": m.roll(1, 0),
    "repeat": m.repeat(1, 2, 1),
}
for k, v in names.items():
    show("grad_fn " + k, v.grad_fn.name())

# gradients of the view ops at simple points
x = torch.arange(12, dtype=torch.float64).reshape(3, 4).requires_grad_()
w = torch.arange(1, 4, dtype=torch.float64)
(x.diagonal(1) * w).sum().backward()
show("diagonal(1) grad", x.grad)
x.grad = None
(x[:, ::2] * torch.arange(6, dtype=torch.float64).reshape(3, 2)).sum().backward()
show("slice step 2 grad", x.grad)
x.grad = None
(x.expand(2, 3, 4) * torch.arange(24, dtype=torch.float64).reshape(2, 3, 4)).sum().backward()
show("expand grad", x.grad)

# cat and stack promote dtypes; each input's gradient comes back in its own dtype
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([[3.0, 4.0]], dtype=torch.float64, requires_grad=True)
c = torch.cat([a.unsqueeze(0), b])
show("cat dtype", c.dtype)
(c * torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)).sum().backward()
show("cat: a.grad", a.grad)
show("cat: b.grad", b.grad)
a.grad = None
s = torch.stack([a, b[0]], 1)
(s * torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)).sum().backward()
show("stack: a.grad", a.grad)
