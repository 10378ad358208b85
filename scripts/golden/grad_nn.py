# Golden gradients for tests/autograd/test_grad_nn.cpp, from PyTorch 1.13 (float64, CPU).
# Run: /tmp/torchenv/bin/python scripts/golden/grad_nn.py
import torch
import torch.nn.functional as F

torch.set_printoptions(precision=10)
d = torch.float64


def t(v, grad=True):
    return torch.tensor(v, dtype=d, requires_grad=grad)


def show(name, *tensors):
    for i, x in enumerate(tensors):
        vals = ", ".join(f"{float(v):.12g}" for v in x.detach().reshape(-1))
        print(f"{name}[{i}] = {{{vals}}}")


X = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
G = [[1.0, -2.0, 0.5], [0.3, 0.7, -1.1]]

# layer_norm over the last dim, affine
x, w, b = t(X), t([0.5, 1.5, -1.0]), t([0.1, 0.2, 0.3])
y = F.layer_norm(x, [3], w, b, 1e-5)
y.backward(torch.tensor(G, dtype=d))
show("layer_norm", x.grad, w.grad, b.grad)
print("layer_norm grad_fn", y.grad_fn.name())

# batch_norm training, affine, (N=4, C=3)
XB = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [0.1, 0.9, -0.3], [2.2, -1.4, 0.6]]
GB = [[1.0, -2.0, 0.5], [0.3, 0.7, -1.1], [0.2, -0.4, 0.9], [-0.6, 0.8, 0.1]]
x, w, b = t(XB), t([0.5, 1.5, -1.0]), t([0.1, 0.2, 0.3])
rm, rv = torch.zeros(3, dtype=d), torch.ones(3, dtype=d)
y = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1, eps=1e-5)
y.backward(torch.tensor(GB, dtype=d))
show("batch_norm_train", x.grad, w.grad, b.grad)
print("batch_norm grad_fn", y.grad_fn.name())

# batch_norm eval with running stats
x, w, b = t(X), t([0.5, 1.5, -1.0]), t([0.1, 0.2, 0.3])
rm, rv = torch.tensor([0.5, -0.2, 0.1], dtype=d), torch.tensor([0.7, 1.3, 2.0], dtype=d)
y = F.batch_norm(x, rm, rv, w, b, training=False, momentum=0.1, eps=1e-5)
y.backward(torch.tensor(G, dtype=d))
show("batch_norm_eval", x.grad, w.grad, b.grad)

# group_norm (N=1, C=4, L=3), 2 groups, affine
XG = [[[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [0.1, 0.9, -0.3], [2.2, -1.4, 0.6]]]
GG = [[[1.0, -2.0, 0.5], [0.3, 0.7, -1.1], [0.2, -0.4, 0.9], [-0.6, 0.8, 0.1]]]
x, w, b = t(XG), t([0.5, 1.5, -1.0, 2.0]), t([0.1, 0.2, 0.3, 0.4])
y = F.group_norm(x, 2, w, b, 1e-5)
y.backward(torch.tensor(GG, dtype=d))
show("group_norm", x.grad, w.grad, b.grad)
print("group_norm grad_fn", y.grad_fn.name())

# cross_entropy: class indices with weight, ignore_index and label smoothing, mean
XC = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [0.1, 0.9, -0.3], [2.2, -1.4, 0.6]]
x = t(XC)
loss = F.cross_entropy(x, torch.tensor([0, 2, 1, 2]), weight=torch.tensor([0.5, 1.0, 2.0], dtype=d),
                       ignore_index=1, label_smoothing=0.2)
loss.backward()
show("cross_entropy_indices", x.grad)
print("cross_entropy grad_fn", loss.grad_fn.name())

# cross_entropy: probabilities with weight and label smoothing, sum
x = t(XC)
p = t([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3], [0.7, 0.2, 0.1], [0.25, 0.25, 0.5]])
loss = F.cross_entropy(x, p, weight=torch.tensor([0.5, 1.0, 2.0], dtype=d), reduction="sum", label_smoothing=0.1)
loss.backward()
show("cross_entropy_probs", x.grad, p.grad)

# nll_loss, all targets ignored but one, mean
x = t(XC)
loss = F.nll_loss(x, torch.tensor([1, 1, 0, 1]), weight=torch.tensor([0.5, 1.0, 2.0], dtype=d), ignore_index=1)
loss.backward()
show("nll_loss", x.grad)

# embedding: padding_idx gets no gradient; scale_grad_by_freq divides by the count in the batch
wt = t([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8], [0.9, 1.0]])
idx = torch.tensor([[0, 2], [4, 2], [0, 1]])
y = F.embedding(idx, wt, padding_idx=2)
y.backward(torch.arange(12, dtype=d).reshape(3, 2, 2))
show("embedding_padding", wt.grad)
print("embedding grad_fn", y.grad_fn.name())
wt = t([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8], [0.9, 1.0]])
y = F.embedding(idx, wt, padding_idx=2, scale_grad_by_freq=True)
y.backward(torch.arange(12, dtype=d).reshape(3, 2, 2))
show("embedding_freq", wt.grad)

# subgradients: l1 and smooth_l1 (beta 0) at x == target are 0; smooth_l1 at |d| == beta is continuous
x, tg = t([1.0, 2.0, -0.5]), t([1.0, 1.0, 0.5])
F.l1_loss(x, tg, reduction="sum").backward()
show("l1_tie", x.grad, tg.grad)
x, tg = t([1.0, 2.0, -0.5]), t([1.0, 1.0, 0.5])
F.smooth_l1_loss(x, tg, reduction="sum", beta=1.0).backward()
show("smooth_l1_edge", x.grad, tg.grad)

# binary_cross_entropy at the edges (x = 0 and 1): the 1e-12 clamp of the denominator
x, tg = t([0.0, 1.0, 0.5]), t([0.0, 1.0, 0.25])
F.binary_cross_entropy(x, tg, reduction="sum").backward()
show("bce_edges_input", x.grad)

# binary_cross_entropy_with_logits with pos_weight and weight: input and target gradients
x, tg = t([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]), t([[0.2, 0.9, 0.5], [1.0, 0.0, 0.3]])
F.binary_cross_entropy_with_logits(x, tg, weight=torch.tensor([[0.5], [2.0]], dtype=d),
                                   pos_weight=torch.tensor([1.5, 0.5, 3.0], dtype=d)).backward()
show("bce_logits", x.grad, tg.grad)

# grad_fn names of the ops whose PyTorch implementation is a composite
x = t(X)
print("linear grad_fn", F.linear(x, t([[1.0, 2.0, 3.0]]), t([0.5])).grad_fn.name())
print("mse grad_fn", F.mse_loss(x, t(G)).grad_fn.name())
print("l1 grad_fn", F.l1_loss(x, t(G)).grad_fn.name())
print("smooth_l1 grad_fn", F.smooth_l1_loss(x, t(G)).grad_fn.name())
print("nll grad_fn", F.nll_loss(x, torch.tensor([0, 2])).grad_fn.name())
print("bce_logits grad_fn", F.binary_cross_entropy_with_logits(x, t(G)).grad_fn.name())
print("dropout grad_fn", F.dropout(x, 0.5, True).grad_fn.name())
print("native_dropout grad_fn", torch.native_dropout(x, 0.5, True)[0].grad_fn.name())
