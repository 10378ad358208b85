# Golden gradients for tests/autograd/test_grad_reduce.cpp (PyTorch 1.13): subgradient conventions of
# reductions and ops along a dim that gradcheck cannot see (ties, zeros, zero norms, zero variance),
# plus grad_fn names. Run: /tmp/torchenv/bin/python scripts/golden/grad_reduce.py
import torch

torch.set_printoptions(precision=10)


def show(name, t):
    print(f"{name}: {[round(v, 10) for v in t.detach().reshape(-1).tolist()]}")


def grad_of(f, x):
    x = x.clone().requires_grad_()
    y = f(x)
    y.backward(torch.ones_like(y) if y.dim() else None)
    return x.grad, y


d = torch.float64
# amax/amin ties: split evenly among ties in each slice
x = torch.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], dtype=d)
g, y = grad_of(lambda t: t.amax(1), x); show("amax ties dim1", g); print(y.grad_fn.name())
g, y = grad_of(lambda t: t.amin(0, keepdim=True), torch.tensor([[1.0, 3.0], [1.0, 4.0]], dtype=d)); show("amin ties dim0", g); print(y.grad_fn.name())
# max()/min() full: evenly among ties
g, y = grad_of(lambda t: t.max(), x); show("max full ties", g); print(y.grad_fn.name())
g, y = grad_of(lambda t: t.min(), torch.tensor([1.0, 5.0, 1.0, 1.0], dtype=d)); show("min full ties", g); print(y.grad_fn.name())
# max.dim / min.dim ties: the gradient goes to the returned index only
g, y = grad_of(lambda t: t.max(1)[0], x); show("max.dim ties", g); print(y.grad_fn.name())
print("max.dim indices", x.max(1)[1].tolist())
g, y = grad_of(lambda t: t.min(1, keepdim=True)[0], x); show("min.dim ties", g); print(y.grad_fn.name())
print("min.dim indices", x.min(1)[1].tolist())
# prod with zeros
z1 = torch.tensor([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0]], dtype=d)
g, y = grad_of(lambda t: t.prod(1), z1); show("prod dim1 zeros", g); print(y.grad_fn.name())
g, y = grad_of(lambda t: t.prod(), torch.tensor([2.0, 0.0, 3.0, 5.0], dtype=d)); show("prod all one zero", g); print(y.grad_fn.name())
g, y = grad_of(lambda t: t.prod(), z1); show("prod all two zeros", g)
# cumprod with zeros
c = torch.tensor([2.0, 0.0, 3.0, 0.0, 5.0], dtype=d)
g, y = grad_of(lambda t: (t.cumprod(0) * torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=d)).sum(), c); show("cumprod zeros weighted", g)
y = c.clone().requires_grad_().cumprod(0); print(y.grad_fn.name())
g, y = grad_of(lambda t: t.cumprod(0), torch.tensor([0.0, 2.0, 3.0], dtype=d)); show("cumprod leading zero", g)
# norm conventions
zero = torch.zeros(3, dtype=d)
for p in [2.0, 1.0, 3.0, 1.5, 0.5, float("inf")]:
    g, y = grad_of(lambda t: torch.norm(t, p, dim=[0]), torch.tensor([0.0, 0.0, 0.0], dtype=d)); show(f"norm p={p} zero", g)
g, y = grad_of(lambda t: torch.norm(t, float("inf"), dim=[1]), torch.tensor([[1.0, -3.0, 3.0], [-2.0, 0.5, 1.0]], dtype=d)); show("norm inf ties", g); print(y.grad_fn.name())
g, y = grad_of(lambda t: torch.norm(t, 1, dim=[0]), torch.tensor([1.0, 0.0, -2.0], dtype=d)); show("norm p=1 at 0", g)
g, y = grad_of(lambda t: torch.norm(t, 0.5, dim=[0]), torch.tensor([1.0, 0.0, 4.0], dtype=d)); show("norm p=0.5 with a 0", g)
g, y = grad_of(lambda t: torch.norm(t, 2, dim=[0]), torch.tensor([3.0, 4.0], dtype=d)); print(y.grad_fn.name())
# std with zero variance, var with one element
g, y = grad_of(lambda t: t.std(1), torch.tensor([[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]], dtype=d)); show("std zero var", g); print(y.grad_fn.name())
g, y = grad_of(lambda t: t.var(0), torch.tensor([1.5], dtype=d)); show("var one element", g); print(y.grad_fn.name())
g, y = grad_of(lambda t: t.var(0, unbiased=False), torch.tensor([1.5], dtype=d)); show("var one element corr0", g)
vm = torch.var_mean(torch.tensor([1.0, 2.0, 4.0], dtype=d, requires_grad=True), 0); print(vm[0].grad_fn.name())
sm = torch.std_mean(torch.tensor([1.0, 2.0, 4.0], dtype=d, requires_grad=True), 0); print(sm[0].grad_fn.name())
# logsumexp, softmax with dtype
g, y = grad_of(lambda t: t.logsumexp(1), torch.tensor([[0.0, 1.0], [2.0, 2.0]], dtype=d)); show("logsumexp", g); print(y.grad_fn.name())
xf = torch.tensor([[0.5, -1.0, 2.0]], dtype=torch.float32, requires_grad=True)
y = torch.softmax(xf, 1, dtype=torch.float64); print(y.dtype, y.grad_fn.name())
(y * torch.tensor([[1.0, 2.0, 3.0]], dtype=d)).sum().backward(); print(xf.grad.dtype); show("softmax dtype grad", xf.grad)
xf.grad = None
y = torch.log_softmax(xf, 1, dtype=torch.float64); print(y.grad_fn.name())
(y * torch.tensor([[1.0, 2.0, 3.0]], dtype=d)).sum().backward(); show("log_softmax dtype grad", xf.grad)
# cumsum, sort, topk with ties
g, y = grad_of(lambda t: (t.cumsum(0) * torch.tensor([1.0, 2.0, 3.0], dtype=d)).sum(), torch.tensor([1.0, 2.0, 3.0], dtype=d)); show("cumsum weighted", g)
y = torch.tensor([1.0], requires_grad=True).cumsum(0); print(y.grad_fn.name())
s = torch.tensor([3.0, 1.0, 3.0, 2.0], dtype=d)
g, y = grad_of(lambda t: (torch.sort(t, stable=True, descending=True)[0] * torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=d)).sum(), s); show("sort stable desc weighted", g)
y = torch.sort(s.clone().requires_grad_(), stable=True)[0]; print(y.grad_fn.name())
y = torch.sort(s.clone().requires_grad_())[0]; print(y.grad_fn.name())
g, y = grad_of(lambda t: (torch.topk(t, 2)[0] * torch.tensor([1.0, 2.0], dtype=d)).sum(), s); show("topk ties weighted", g)
print("topk indices", torch.topk(s, 2)[1].tolist())
y = torch.topk(s.clone().requires_grad_(), 2)[0]; print(y.grad_fn.name())
y = torch.amax(s.clone().requires_grad_(), 0); print(y.grad_fn.name())
y = torch.amin(s.clone().requires_grad_(), 0); print(y.grad_fn.name())
print("argmax requires_grad", torch.argmax(s.clone().requires_grad_()).requires_grad)
print("any requires_grad", s.clone().requires_grad_().any(0).requires_grad)
