# Prints the PyTorch 1.13 values that tests/eager/test_nn_ops.cpp asserts (run on an AMD/non-MKL-bernoulli CPU;
# not run in CI). Usage: python scripts/golden/nn.py
import torch
import torch.nn.functional as F


def show(label, t):
    if isinstance(t, torch.Tensor):
        digits = 17 if t.dtype == torch.float64 else 9
        vals = ", ".join(format(v, f".{digits}g") for v in t.double().flatten().tolist())
        print(f"{label} {list(t.shape)} {str(t.dtype).replace('torch.', '')}: {{{vals}}}")
    else:
        print(f"{label}: {t}")


def err(label, f):
    try:
        f()
        print(f"{label}: no error")
    except Exception as e:
        print(f"{label}: {type(e).__name__}: {str(e).splitlines()[0]}")


# ---- linear ----
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]) * 0.5 - 1
w = torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]])
b = torch.tensor([0.5, -1.0])
show("linear bias", F.linear(x, w, b))
show("linear no bias", F.linear(x, w))
x3 = (torch.arange(24, dtype=torch.float32).reshape(2, 4, 3) / 10).transpose(1, 2)  # (2, 3, 4) non-contiguous
w3 = torch.tensor([[0.5, -1.0, 0.25], [1.5, 0.0, -0.5], [2.0, 1.0, 1.0], [-0.75, 0.5, 0.125]]).t()  # (3, 4) strided
show("linear 3d noncontig", F.linear(x3, w3, torch.tensor([1.0, -2.0, 0.5])))
show("linear 1d input", F.linear(torch.tensor([1.0, -1.0, 2.0]), w, b))
show("linear k0", F.linear(torch.zeros(2, 0), torch.zeros(3, 0), torch.tensor([1.0, 2.0, 3.0])))
show("linear double", F.linear(x.double(), w.double(), b.double()))
err("linear shape", lambda: F.linear(torch.ones(4, 3), torch.ones(2, 4)))
err("linear bias shape", lambda: F.linear(torch.ones(4, 3), torch.ones(2, 3), torch.ones(3)))

# ---- batch norm ----
bx = torch.tensor([[[1.0, 2.0], [0.5, -1.0]], [[3.0, -2.0], [1.5, 0.0]], [[0.0, 4.0], [-0.5, 2.5]]])  # (3, 2, 2)
bw = torch.tensor([1.5, -0.5])
bb = torch.tensor([0.25, 1.0])
rm = torch.zeros(2)
rv = torch.ones(2)
show("bn train step1", F.batch_norm(bx, rm, rv, bw, bb, training=True, momentum=0.1, eps=1e-5))
show("bn running_mean step1", rm)
show("bn running_var step1", rv)
bx2 = bx * 2 + 1
show("bn train step2", F.batch_norm(bx2, rm, rv, bw, bb, training=True, momentum=0.1, eps=1e-5))
show("bn running_mean step2", rm)
show("bn running_var step2", rv)
show("bn eval", F.batch_norm(bx, rm, rv, bw, bb, training=False, momentum=0.1, eps=1e-5))
out, save_mean, save_invstd = torch.native_batch_norm(bx, bw, bb, None, None, True, 0.1, 1e-5)
show("bn save_mean", save_mean)
show("bn save_invstd", save_invstd)
b2 = torch.tensor([[1.0, 2.0, 3.0], [2.0, 0.0, 1.0], [4.0, 1.0, -1.0], [0.0, 1.0, 2.0]])
show("bn 2d no affine", F.batch_norm(b2, None, None, training=True))
b4 = torch.arange(16, dtype=torch.float32).reshape(2, 2, 2, 2).permute(0, 3, 1, 2) ** 1.5  # non-contiguous
rm4, rv4 = torch.tensor([0.5, -0.5]), torch.tensor([2.0, 0.5])
show("bn 4d noncontig", F.batch_norm(b4, rm4, rv4, None, None, training=True, momentum=0.3, eps=1e-3))
show("bn 4d running_mean", rm4)
show("bn 4d running_var", rv4)
b1 = torch.tensor([[[1.0, 3.0, 4.0], [2.0, 2.0, -1.0]]])  # batch of 1 with spatial values
show("bn batch1", F.batch_norm(b1, None, None, training=True))
err("bn one value", lambda: F.batch_norm(torch.ones(1, 3), None, None, training=True))

# ---- layer norm ----
lx = torch.tensor([[1.0, 2.0, 4.0, -1.0], [0.5, 0.5, 3.0, 2.0], [10.0, -10.0, 0.0, 1.0]])
lw = torch.tensor([1.0, 0.5, -2.0, 1.5])
lb = torch.tensor([0.0, 1.0, 0.5, -0.5])
show("ln last", F.layer_norm(lx, (4,), lw, lb))
show("ln no affine", F.layer_norm(lx, (4,)))
show("ln 2 dims", F.layer_norm(lx.reshape(1, 3, 4), (3, 4), eps=1e-3))
lt = lx.t()  # (4, 3) non-contiguous
show("ln noncontig", F.layer_norm(lt, (3,), torch.tensor([2.0, 1.0, 0.5])))
o, m, r = torch.native_layer_norm(lx.reshape(3, 2, 2), (2, 2), None, None, 1e-5)
show("ln native mean", m)
show("ln native rstd", r)
show("ln offset", F.layer_norm(torch.tensor([[1e4 + 1, 1e4 + 2, 1e4 + 3]]), (3,)))
err("ln bad", lambda: F.layer_norm(torch.ones(4, 3), (4,)))

# ---- group norm ----
gx = torch.tensor([[[1.0, 2.0], [3.0, 0.0], [-1.0, 2.0], [4.0, 4.5]], [[0.0, 0.5], [1.0, -2.0], [2.0, 2.0], [1.0, 3.0]]])
gw = torch.tensor([1.0, -1.0, 0.5, 2.0])
gb = torch.tensor([0.0, 0.5, 1.0, -1.0])
show("gn affine", F.group_norm(gx, 2, gw, gb))
show("gn one group", F.group_norm(gx, 1))
show("gn 2d", F.group_norm(torch.tensor([[1.0, 2.0, 3.0, 5.0], [2.0, 2.0, 0.0, 1.0]]), 2))
o, m, r = torch.native_group_norm(gx, gw, gb, 2, 4, 2, 2, 1e-5)
show("gn native mean", m)
show("gn native rstd", r)

# ---- dropout ----
torch.manual_seed(0)
dx = torch.arange(1, 21, dtype=torch.float32).reshape(4, 5) / 4
show("dropout seed0 p0.3", F.dropout(dx, 0.3))
torch.manual_seed(123)
show("dropout double seed123 p0.5", F.dropout(dx.double(), 0.5))
torch.manual_seed(5)
show("dropout noncontig seed5 p0.4", F.dropout(dx.t(), 0.4))
torch.manual_seed(5)
show("dropout bf16 seed5 p0.25", F.dropout(dx.bfloat16(), 0.25))
torch.manual_seed(7)
show("dropout seed7 p0.5", F.dropout(dx, 0.5))

# ---- embedding ----
ew = torch.tensor([[0.0, 0.1, 0.2], [1.0, 1.1, 1.2], [2.0, 2.1, 2.2], [3.0, 3.1, 3.2], [4.0, 4.1, 4.2]])
show("embedding", F.embedding(torch.tensor([[0, 2], [4, 1]]), ew))

# ---- pointwise losses ----
px = torch.tensor([[0.5, -1.0, 2.0], [3.0, 0.25, -0.75]])
py = torch.tensor([[1.0, 1.0, 1.5], [-1.0, 0.25, 0.5]])
for red in ["none", "mean", "sum"]:
    show(f"mse {red}", F.mse_loss(px, py, reduction=red))
    show(f"l1 {red}", F.l1_loss(px, py, reduction=red))
    show(f"smooth_l1 {red}", F.smooth_l1_loss(px, py, reduction=red))
show("smooth_l1 beta0.5", F.smooth_l1_loss(px, py, reduction="none", beta=0.5))
show("smooth_l1 beta0", F.smooth_l1_loss(px, py, reduction="none", beta=0.0))
show("mse broadcast", F.mse_loss(torch.tensor([[1.0], [2.0]]), torch.tensor([0.0, 1.0, 3.0]), reduction="none"))
show("mse noncontig", F.mse_loss(px.t(), py.t(), reduction="none"))
show("mse empty mean", F.mse_loss(torch.ones(0), torch.ones(0)))

bx_ = torch.tensor([[0.1, 0.9, 0.5], [0.0, 1.0, 0.3]])
by_ = torch.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 0.25]])
bwt = torch.tensor([1.0, 2.0, 0.5])
for red in ["none", "mean", "sum"]:
    show(f"bce {red}", F.binary_cross_entropy(bx_, by_, reduction=red))
show("bce weight", F.binary_cross_entropy(bx_, by_, weight=bwt, reduction="none"))
show("bce weight mean", F.binary_cross_entropy(bx_, by_, weight=bwt))
err("bce range", lambda: F.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.0])))

lgx = torch.tensor([[0.5, -2.0, 100.0], [-100.0, 3.0, 0.0]])
lgy = torch.tensor([[1.0, 0.0, 0.0], [1.0, 0.5, 1.0]])
pw = torch.tensor([2.0, 0.5, 1.0])
for red in ["none", "mean", "sum"]:
    show(f"bcel {red}", F.binary_cross_entropy_with_logits(lgx, lgy, reduction=red))
show("bcel pos_weight", F.binary_cross_entropy_with_logits(lgx, lgy, pos_weight=pw, reduction="none"))
show("bcel weight pos_weight mean", F.binary_cross_entropy_with_logits(lgx, lgy, weight=bwt, pos_weight=pw))

# ---- nll / cross entropy ----
lp = torch.tensor([[-1.2, -0.5, -2.0, -3.0], [-0.1, -2.5, -4.0, -3.5], [-1.0, -1.5, -0.7, -2.2]])
tg = torch.tensor([1, 0, 3])
cw = torch.tensor([1.0, 2.0, 0.5, 3.0])
for red in ["none", "mean", "sum"]:
    show(f"nll {red}", F.nll_loss(lp, tg, reduction=red))
    show(f"nll weight {red}", F.nll_loss(lp, tg, weight=cw, reduction=red))
    show(f"nll ignore {red}", F.nll_loss(lp, tg, weight=cw, ignore_index=0, reduction=red))
show("nll 1d", F.nll_loss(lp[0], torch.tensor(2)))
show("nll all ignored", F.nll_loss(lp, torch.tensor([-100, -100, -100])))
show("nll all ignored sum", F.nll_loss(lp, torch.tensor([-100, -100, -100]), reduction="sum"))
nd = torch.arange(24, dtype=torch.float32).reshape(2, 3, 2, 2).sin() - 2
ndt = torch.tensor([[[0, 2], [1, 1]], [[2, 0], [-100, 1]]])
show("nd input", nd)
show("nll nd none", F.nll_loss(nd, ndt, reduction="none"))
show("nll nd weight mean", F.nll_loss(nd, ndt, weight=torch.tensor([1.0, 0.5, 2.0])))

lg = torch.tensor([[1.0, 2.0, 0.5, -1.0], [0.0, 0.0, 3.0, 1.0], [-2.0, 1.5, 0.25, 0.75]])
for red in ["none", "mean", "sum"]:
    show(f"ce {red}", F.cross_entropy(lg, tg, reduction=red))
    show(f"ce weight ignore {red}", F.cross_entropy(lg, tg, weight=cw, ignore_index=3, reduction=red))
    show(f"ce smooth {red}", F.cross_entropy(lg, tg, label_smoothing=0.1, reduction=red))
    show(f"ce smooth weight ignore {red}",
         F.cross_entropy(lg, tg, weight=cw, ignore_index=0, label_smoothing=0.2, reduction=red))
show("ce nd", F.cross_entropy(nd, ndt, reduction="none"))
show("ce nd mean", F.cross_entropy(nd, ndt))
show("ce 1d", F.cross_entropy(lg[1], torch.tensor(2)))
show("ce large logits", F.cross_entropy(torch.tensor([[1000.0, 0.0, -1000.0]]), torch.tensor([1]), reduction="none"))
prob = torch.tensor([[0.25, 0.25, 0.5, 0.0], [0.0, 1.0, 0.0, 0.0], [0.1, 0.2, 0.3, 0.4]])
for red in ["none", "mean", "sum"]:
    show(f"ce prob {red}", F.cross_entropy(lg, prob, reduction=red))
show("ce prob weight smooth", F.cross_entropy(lg, prob, weight=cw, label_smoothing=0.3, reduction="none"))
show("ce prob weight smooth mean", F.cross_entropy(lg, prob, weight=cw, label_smoothing=0.3))
show("ce prob double target", F.cross_entropy(lg, prob.double(), reduction="sum"))
show("ce empty mean", F.cross_entropy(torch.ones(0, 3), torch.zeros(0, dtype=torch.long)))

# ---- bfloat16, empty batches, a batch of one ----
show("ln bf16", F.layer_norm(lx.bfloat16(), (4,)))
show("gn bf16", F.group_norm(gx.bfloat16(), 2))
show("ce bf16", F.cross_entropy(lg.bfloat16(), tg, reduction="none"))
show("nll empty none", F.nll_loss(torch.ones(0, 3), torch.zeros(0, dtype=torch.long), reduction="none"))
show("nll empty sum", F.nll_loss(torch.ones(0, 3), torch.zeros(0, dtype=torch.long), reduction="sum"))
show("bce empty mean", F.binary_cross_entropy(torch.ones(0), torch.ones(0)))
show("ce batch1 prob", F.cross_entropy(lg[:1], torch.tensor([[0.5, 0.5, 0.0, 0.0]]), reduction="none"))
