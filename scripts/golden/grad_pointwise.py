# Gradients PyTorch 1.13 gives at the points gradcheck cannot see for the pointwise family (kinks, ties,
# clamp boundaries, zero bases, non-finite inputs), and grad_fn names. Prints the literals pasted into
# tests/autograd/test_grad_pointwise.cpp.  Run: /tmp/torchenv/bin/python scripts/golden/grad_pointwise.py
import torch
import torch.nn.functional as F

D = torch.double


def leaf(v):
    return torch.tensor(v, dtype=D, requires_grad=True)


def show(name, *grads):
    parts = []
    for g in grads:
        parts.append("{" + ", ".join(repr(float(v)) for v in g.flatten()) + "}" if g is not None else "None")
    print(f"{name}: " + " | ".join(parts))


def grads(fn, *values):
    xs = [leaf(v) for v in values]
    fn(*xs).sum().backward()
    return [x.grad for x in xs]


kinks = [-2.0, 0.0, 1.5]
show("relu", *grads(torch.relu, kinks))
show("abs", *grads(torch.abs, kinks))
show("sign", *grads(torch.sign, kinks))
show("leaky_relu 0.2", *grads(lambda x: F.leaky_relu(x, 0.2), kinks))
show("elu 1.3 1.1 0.9", *grads(lambda x: torch.ops.aten.elu(x, 1.3, 1.1, 0.9), kinks))
show("hardsigmoid", *grads(F.hardsigmoid, [-3.0, -1.0, 3.0, 4.0]))
show("hardswish", *grads(F.hardswish, [-3.0, -1.0, 3.0, 4.0]))
show("softplus beta 2 threshold 1", *grads(lambda x: F.softplus(x, 2.0, 1.0), [0.5, 0.25, -1.0]))
show("maximum ties", *grads(torch.maximum, [1.0, 2.0, 3.0], [1.0, 3.0, 2.0]))
show("minimum ties", *grads(torch.minimum, [1.0, 2.0, 3.0], [1.0, 3.0, 2.0]))
bounds = [-1.0, 1.0, 0.5, 2.0, -3.0]
show("clamp -1 1", *grads(lambda x: x.clamp(-1.0, 1.0), bounds))
show("clamp min -1", *grads(lambda x: x.clamp(min=-1.0), bounds))
show("clamp_max 1", *grads(lambda x: x.clamp_max(1.0), bounds))
show("hardtanh -1 1", *grads(F.hardtanh, bounds))
show("clamp_min tensor ties", *grads(torch.clamp_min, [1.0, 2.0, 3.0], [1.0, 3.0, 2.0]))
show("clamp_max tensor ties", *grads(torch.clamp_max, [1.0, 2.0, 3.0], [1.0, 3.0, 2.0]))
# self, min, max; the last two elements have min > max.
show("clamp tensor", *grads(lambda x, lo, hi: x.clamp(lo, hi), [0.0, -2.0, 2.0, 1.0, 5.0], [-1.0, -1.0, -1.0, 2.0, 2.0],
                            [1.0, 1.0, 1.0, 0.0, 0.0]))
show("pow zero base", *grads(torch.pow, [0.0, 0.0, 0.0, 2.0], [0.0, 1.0, 2.0, 0.0]))
show("pow scalar exponent 0", *grads(lambda x: x.pow(0.0), [0.0, 2.0]))
show("pow scalar base 0", *grads(lambda e: torch.pow(0.0, e), [0.0, 1.5]))
show("pow scalar base 2", *grads(lambda e: torch.pow(2.0, e), [0.0, 1.5]))
show("nan_to_num", *grads(torch.nan_to_num, [float("nan"), float("inf"), -float("inf"), 1.0]))
show("where", *grads(lambda a, b: torch.where(torch.tensor([True, False, True]), a, b), [1.0, 2.0, 3.0], [4.0, 5.0, 6.0]))
show("remainder", *grads(torch.remainder, [5.0, -5.0], [3.0, 3.0]))
show("fmod", *grads(torch.fmod, [5.0, -5.0], [3.0, 3.0]))
show("div floor", *grads(lambda a, b: torch.div(a, b, rounding_mode="floor"), [5.0, -5.0], [3.0, 3.0]))
show("lerp tensor", *grads(torch.lerp, [1.0, 2.0], [3.0, 5.0], [0.25, 0.5]))
show("addcdiv", *grads(lambda s, a, b: torch.addcdiv(s, a, b, value=0.5), [1.0, 2.0], [3.0, 5.0], [2.0, 4.0]))


def name(t):
    return t.grad_fn.name()


x = leaf([0.5, 1.5])
y = leaf([2.0, 3.0])
for label, t in [("pow.Tensor_Scalar", x.pow(2)), ("pow.Tensor", x.pow(y)), ("pow.Scalar", torch.pow(2.0, x)),
                 ("clamp", x.clamp(0, 1)), ("clamp.Tensor", x.clamp(y, y)), ("clamp_min", x.clamp_min(1.0)),
                 ("clamp_min.Tensor", x.clamp_min(y)), ("round.decimals", x.round(decimals=1)), ("round", x.round()),
                 ("remainder.Scalar", x.remainder(1.0)), ("remainder.Tensor", x.remainder(y)),
                 ("lerp.Scalar", x.lerp(y, 0.5)), ("lerp.Tensor", x.lerp(y, y)), ("where", torch.where(x > 1, x, y)),
                 ("gelu", F.gelu(x)), ("hardtanh", F.hardtanh(x)), ("leaky_relu", F.leaky_relu(x)),
                 ("exp_", (x * 1).exp_()), ("sigmoid", x.sigmoid()), ("maximum", torch.maximum(x, y)),
                 ("atan2", torch.atan2(x, y)), ("nan_to_num", x.nan_to_num()), ("log_sigmoid", F.logsigmoid(x)),
                 ("div.Tensor_mode", torch.div(x, y, rounding_mode="floor")),
                 ("div.Scalar_mode", torch.div(x, 2.0, rounding_mode="floor"))]:
    print(f"name {label}: {name(t)}")
try:
    torch.floor_divide(x, y).sum().backward()
except RuntimeError as e:
    print("floor_divide:", str(e).splitlines()[0])
try:
    torch.remainder(2.0, y).sum().backward()
except RuntimeError as e:
    print("remainder Scalar_Tensor:", str(e).splitlines()[0])
try:
    z = x * 1
    F.leaky_relu_(z, -0.5)
    z.sum().backward()
except RuntimeError as e:
    print("leaky_relu_ negative slope:", str(e).splitlines()[0])
