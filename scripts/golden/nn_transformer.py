# Prints the PyTorch 1.13 values that tests/nn/test_transformer.cpp asserts (MultiheadAttention and the
# Transformer family). Not run in CI. Usage: python scripts/golden/nn_transformer.py
#
# Weights are set by load_pattern: the i-th state_dict entry (in PyTorch's order) gets pattern(shape, i),
# which the test rebuilds with test::pattern, so no weight values need pasting.
import math

import torch
import torch.nn as nn


def pattern(shape, seed=0):
    # tests/helpers.h test::pattern: ((i * 7 + seed) % 11 - 5) / 4 in row-major order.
    n = math.prod(shape)
    return torch.tensor([((i * 7 + seed) % 11 - 5) * 0.25 for i in range(n)], dtype=torch.float32).reshape(shape)


def load_pattern(module):
    state = module.state_dict()
    module.load_state_dict({k: pattern(v.shape, i) for i, (k, v) in enumerate(state.items())})


def show(label, t):
    if t is None:
        print(f"{label}: None")
        return
    vals = ", ".join(format(v, ".8g") for v in t.double().flatten().tolist())
    print(f"{label} {list(t.shape)}: {{{vals}}}")


def keys(label, module):
    print(f"{label} keys:", ", ".join(f'"{k}"' for k in module.state_dict().keys()))


torch.set_grad_enabled(True)  # the slow (reference) path, as ember computes it

# ---- MultiheadAttention: default initialisation ----
torch.manual_seed(0)
mha = nn.MultiheadAttention(4, 2)
show("init in_proj_weight", mha.in_proj_weight)
show("init out_proj.weight", mha.out_proj.weight)
q = pattern((3, 2, 4), 1)
mha.eval()
out, w = mha(q, q, q)
show("init self-attention out", out)

torch.manual_seed(1)
kv = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, add_bias_kv=True)
show("init kv q_proj_weight", kv.q_proj_weight)
show("init kv k_proj_weight", kv.k_proj_weight)
show("init kv v_proj_weight", kv.v_proj_weight)
show("init kv bias_k", kv.bias_k)
show("init kv bias_v", kv.bias_v)
show("init kv out_proj.weight", kv.out_proj.weight)
keys("kv", kv)
print(repr(mha))

# ---- MultiheadAttention: pattern weights ----
mha = nn.MultiheadAttention(4, 2)
load_pattern(mha)
mha.eval()
keys("mha", mha)
q = pattern((3, 2, 4), 1) * 0.5
k = pattern((5, 2, 4), 2) * 0.5
v = pattern((5, 2, 4), 3) * 0.5
out, w = mha(q, q, q)
show("self out", out)
show("self weights", w)
out, w = mha(q, k, v, average_attn_weights=False)
show("cross out", out)
show("cross per-head weights", w)
causal = torch.triu(torch.ones(3, 3, dtype=torch.bool), diagonal=1)
kpm = torch.tensor([[False, False, True], [False, False, False]])
out, w = mha(q, q, q, attn_mask=causal, key_padding_mask=kpm)
show("bool masks out", out)
show("bool masks weights", w)
fmask = pattern((4, 3, 5), 4)  # (N * num_heads, L, S)
kpm5 = torch.tensor([[False, True, False, False, False], [False, False, False, False, True]])
out, w = mha(q, k, v, attn_mask=fmask, key_padding_mask=kpm5)
show("float attn_mask out", out)
show("float attn_mask weights", w)
# A float key_padding_mask alone (1.13 mishandles a float one combined with a float attn_mask; PyTorch 2 adds them).
fkpm = pattern((2, 5), 5)
out, w = mha(q, k, v, key_padding_mask=fkpm)
show("float key_padding_mask out", out)
show("float key_padding_mask weights", w)
out, w = mha(q[:, 0], k[:, 0], v[:, 0], key_padding_mask=torch.tensor([False, True, False, False, True]))
show("unbatched out", out)
show("unbatched weights", w)

bf = nn.MultiheadAttention(4, 2, batch_first=True)
load_pattern(bf)
bf.eval()
out, w = bf(q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1))
show("batch_first out", out)

sep = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, add_bias_kv=True, add_zero_attn=True, bias=True)
load_pattern(sep)
sep.eval()
ks = pattern((5, 2, 3), 6) * 0.5
vs = pattern((5, 2, 5), 7) * 0.5
out, w = sep(q, ks, vs, key_padding_mask=kpm.new_zeros(2, 5).index_fill_(1, torch.tensor([4]), True))
show("separate out", out)
show("separate weights", w)

nb = nn.MultiheadAttention(4, 1, bias=False)
keys("no bias", nb)
load_pattern(nb)
out, w = nb(q, k, v)
show("no bias out", out)

# backward
mha.train()
qg = q.clone().requires_grad_()
out, _ = mha(qg, k, v)
(out * pattern(out.shape, 8)).sum().backward()
show("grad query", qg.grad)
show("grad in_proj_bias", mha.in_proj_bias.grad)

# ---- Transformer layers ----
src = pattern((3, 2, 4), 9) * 0.5
tgt = pattern((2, 2, 4), 10) * 0.5

enc = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0)
keys("encoder layer", enc)
load_pattern(enc)
enc.eval()
show("encoder layer out", enc(src))
show("encoder layer masked out", enc(src, src_mask=causal, src_key_padding_mask=kpm))
print(repr(enc))

enc2 = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0, activation="gelu", norm_first=True,
                                  batch_first=True, layer_norm_eps=1e-3)
load_pattern(enc2)
enc2.eval()
show("encoder layer gelu norm_first batch_first out", enc2(src.transpose(0, 1), src_mask=causal))

dec = nn.TransformerDecoderLayer(4, 2, dim_feedforward=8, dropout=0.0)
keys("decoder layer", dec)
load_pattern(dec)
dec.eval()
tgt_mask = nn.Transformer.generate_square_subsequent_mask(2)
show("decoder layer out", dec(tgt, src, tgt_mask=tgt_mask, memory_key_padding_mask=kpm))

dec2 = nn.TransformerDecoderLayer(4, 2, dim_feedforward=8, dropout=0.0, norm_first=True)
load_pattern(dec2)
dec2.eval()
show("decoder layer norm_first out", dec2(tgt, src))

encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0), 2, nn.LayerNorm(4))
keys("encoder", encoder)
load_pattern(encoder)
encoder.eval()
show("encoder out", encoder(src, mask=causal))

show("square subsequent mask", nn.Transformer.generate_square_subsequent_mask(3))

model = nn.Transformer(4, 2, 1, 1, dim_feedforward=8, dropout=0.0)
keys("transformer", model)
load_pattern(model)
model.eval()
show("transformer out", model(src, tgt, tgt_mask=tgt_mask, src_key_padding_mask=kpm, memory_key_padding_mask=kpm))

torch.manual_seed(0)
model = nn.Transformer(4, 2, 2, 1, dim_feedforward=8, dropout=0.0)
model.eval()
show("init transformer encoder.layers.1.linear1.weight", model.encoder.layers[1].linear1.weight)
show("init transformer decoder.layers.0.multihead_attn.in_proj_weight", model.decoder.layers[0].multihead_attn.in_proj_weight)
show("init transformer out", model(src, tgt))
print(repr(nn.Transformer(4, 2, 1, 1, dim_feedforward=8)))
