# Golden gradients for tests/autograd/test_grad_indexing.cpp (PyTorch 1.13): values gradcheck cannot see,
# such as how repeated indices accumulate or overwrite, and the grad_fn names of the indexing ops.
import torch

torch.set_printoptions(precision=17)
D = torch.double


def arange(*sizes):
    n = 1
    for s in sizes:
        n *= s
    return (torch.arange(n, dtype=D) * 0.5 - 1.0).reshape(sizes).requires_grad_()


def show(label, t):
    print(label, [float(v) for v in t.detach().reshape(-1)])


def grads(out, inputs, seed):
    return torch.autograd.grad(out, inputs, seed, allow_unused=True)


# index with repeated and negative indices: the gradient accumulates.
x = arange(4)
y = x[torch.tensor([0, -1, 0, 0, 2])]
print(y.grad_fn.name())
show("index repeated", grads(y, [x], torch.tensor([1., 2., 3., 4., 5.], dtype=D))[0])

# index_put_ without accumulate, repeated index: self's gradient is zero there; every value gets grad.index.
x = arange(3, 2)
v = arange(3, 2)
y = x * 1
y.index_put_((torch.tensor([1, 1, 0]),), v)
print(y.grad_fn.name())
gx, gv = grads(y, [x, v], torch.arange(6, dtype=D).reshape(3, 2) + 1)
show("index_put self", gx)
show("index_put values", gv)

# index_put_ with accumulate and a broadcast value: the value's gradient sums over the broadcast.
x = arange(3, 2)
v = arange(2)
y = x * 1
y.index_put_((torch.tensor([2, 0, 2]),), v, accumulate=True)
gx, gv = grads(y, [x, v], torch.arange(6, dtype=D).reshape(3, 2) + 1)
show("index_put acc self", gx)
show("index_put acc values", gv)

# boolean mask put with a 0-d value.
x = arange(2, 2)
v = torch.tensor(3.0, dtype=D, requires_grad=True)
y = x * 1
y[torch.tensor([[True, False], [True, True]])] = v
gx, gv = grads(y, [x, v], torch.tensor([[1., 2.], [3., 4.]], dtype=D))
show("mask put self", gx)
show("mask put value", gv)

# scatter with repeated targets: src's gradient is grad.gather, for the overwritten entries too.
x = arange(3)
s = arange(3)
y = x.scatter(0, torch.tensor([1, 1, 0]), s)
print(y.grad_fn.name(), x.scatter(0, torch.tensor([0]), 2.0).grad_fn.name())
gx, gs = grads(y, [x, s], torch.tensor([1., 2., 3.], dtype=D))
show("scatter self", gx)
show("scatter src", gs)

# index_copy with a repeated index.
x = arange(3)
s = arange(2)
y = x.index_copy(0, torch.tensor([2, 2]), s)
print(y.grad_fn.name())
gx, gs = grads(y, [x, s], torch.tensor([1., 2., 3.], dtype=D))
show("index_copy self", gx)
show("index_copy source", gs)

# index_fill with a tensor value and a repeated index: each filled position counts once (PyTorch 1.13 raises
# "index out of range" for a negative index here: it index_selects the unique indices unwrapped).
x = arange(3, 2)
v = torch.tensor(1.5, dtype=D, requires_grad=True)
y = x.index_fill(0, torch.tensor([2, 2, 0]), v)
print(y.grad_fn.name(), x.index_fill(0, torch.tensor([0]), 1.0).grad_fn.name())
gx, gv = grads(y, [x, v], torch.arange(6, dtype=D).reshape(3, 2) + 1)
show("index_fill self", gx)
show("index_fill value", gv)

# masked_fill with a tensor value and a mask broadcast over self.
x = arange(3)
v = torch.tensor(-1.0, dtype=D, requires_grad=True)
y = x.masked_fill(torch.tensor([[True, False, False], [False, False, True]]), v)
print(y.grad_fn.name(), x.masked_fill(torch.tensor([True, False, True]), 0.0).grad_fn.name())
gx, gv = grads(y, [x, v], torch.arange(6, dtype=D).reshape(2, 3) + 1)
show("masked_fill self", gx)
show("masked_fill value", gv)

# masked_select with self broadcast over the mask.
x = arange(3)
y = x.masked_select(torch.tensor([[True, False, True], [True, True, False]]))
print(y.grad_fn.name())
show("masked_select self", grads(y, [x], torch.tensor([1., 2., 3., 4.], dtype=D))[0])

# take with negative and repeated indices.
x = arange(2, 2)
y = x.take(torch.tensor([[-1, 0], [3, 3]]))
print(y.grad_fn.name())
show("take self", grads(y, [x], torch.tensor([[1., 2.], [3., 4.]], dtype=D))[0])

# index_add with alpha and repeated indices; its double backward (the gradient of source's gradient).
x = arange(3)
s = arange(2)
y = x.index_add(0, torch.tensor([1, 1]), s, alpha=2.0)
print(y.grad_fn.name())
g = torch.tensor([1., 2., 3.], dtype=D, requires_grad=True)
gx, gs = torch.autograd.grad(y, [x, s], g, create_graph=True)
show("index_add self", gx)
show("index_add source", gs)
print(gs.grad_fn.name())
show("index_add double", torch.autograd.grad(gs, [g], torch.tensor([1., 10.], dtype=D))[0])

# gather / scatter_add / index_select with repeated indices.
x = arange(2, 2)
y = x.gather(1, torch.tensor([[0, 0, 0], [1, 0, 1]]))
print(y.grad_fn.name())
show("gather self", grads(y, [x], torch.arange(6, dtype=D).reshape(2, 3) + 1)[0])
x = arange(3)
s = arange(4)
y = x.scatter_add(0, torch.tensor([2, 2, 0, 2]), s)
print(y.grad_fn.name())
gx, gs = grads(y, [x, s], torch.tensor([1., 2., 3.], dtype=D))
show("scatter_add self", gx)
show("scatter_add src", gs)
x = arange(3)
y = x.index_select(0, torch.tensor([1, 1, 2]))
print(y.grad_fn.name())
show("index_select self", grads(y, [x], torch.tensor([1., 2., 3.], dtype=D))[0])

# tril / triu names
x = arange(2, 2)
print(x.tril().grad_fn.name(), x.triu().grad_fn.name())

# scatter with reduce has no derivative
x = arange(3)
s = arange(3)
try:
    x.scatter(0, torch.tensor([0, 1, 2]), s, reduce="add").sum().backward()
except RuntimeError as e:
    print("scatter reduce:", e)
