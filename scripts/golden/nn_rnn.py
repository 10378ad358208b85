# Values for tests/nn/test_rnn.cpp: RNN/LSTM/GRU (and cells) outputs, final states and gradients for PyTorch's
# default initialisation under a fixed seed, parameter names and shapes, and reprs. Run with torch 1.13.
import torch
import torch.nn as nn


def pattern(sizes, seed=0):
    """((i * 7 + seed) % 11 - 5) / 4 in row-major order, as tests/helpers.h's test::pattern."""
    n = 1
    for s in sizes:
        n *= s
    return torch.tensor([((i * 7 + seed) % 11 - 5) * 0.25 for i in range(n)], dtype=torch.float32).reshape(sizes)


def show(name, t):
    print(f"{name} {list(t.shape)}: {{{', '.join('%.8g' % v for v in t.detach().flatten().tolist())}}}")


print("== 2-layer batch_first LSTM, seed 0")
torch.manual_seed(0)
lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True)
x = pattern((2, 3, 3)).requires_grad_()
out, (h, c) = lstm(x)
show("output", out)
show("h_n", h)
show("c_n", c)
out.sum().backward()
show("input.grad", x.grad)
show("weight_ih_l0.grad", lstm.weight_ih_l0.grad)

print("== bidirectional GRU, seed 1")
torch.manual_seed(1)
gru = nn.GRU(3, 4, bidirectional=True)
x = pattern((3, 2, 3), 1).requires_grad_()
out, h = gru(x)
show("output", out)
show("h_n", h)
out.sum().backward()
show("input.grad", x.grad)
show("weight_hh_l0_reverse.grad", gru.weight_hh_l0_reverse.grad)

print("== 2-layer relu RNN with h0, seed 2")
torch.manual_seed(2)
rnn = nn.RNN(3, 4, num_layers=2, nonlinearity='relu')
x = pattern((3, 2, 3), 2)
h0 = pattern((2, 2, 4), 3)
out, h = rnn(x, h0)
show("output", out)
show("h_n", h)

print("== unbatched LSTM with (h0, c0), seed 3")
torch.manual_seed(3)
lstm = nn.LSTM(3, 4)
x = pattern((3, 3), 4)
out, (h, c) = lstm(x, (pattern((1, 4), 5), pattern((1, 4), 6)))
show("output", out)
show("h_n", h)
show("c_n", c)

print("== LSTM with proj_size=2, seed 4")
torch.manual_seed(4)
lstm = nn.LSTM(3, 4, proj_size=2)
x = pattern((2, 2, 3), 7)
out, (h, c) = lstm(x)
show("output", out)
show("h_n", h)
show("c_n", c)
print([(n, list(p.shape)) for n, p in lstm.named_parameters()])

print("== 2-layer LSTM, dropout 0.5 in training, seed 5")
torch.manual_seed(5)
lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
x = pattern((3, 2, 3), 8)
out, (h, c) = lstm(x)
show("output", out)
lstm.eval()
out, (h, c) = lstm(x)
show("eval output", out)

print("== 2-layer bidirectional batch_first LSTM with proj_size, seed 8")
torch.manual_seed(8)
lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2, batch_first=True)
out, (h, c) = lstm(pattern((2, 3, 3), 12))
show("output", out)
show("h_n", h)
show("c_n", c)

print("== unbatched batch_first tanh RNN without bias, seed 9")
torch.manual_seed(9)
rnn = nn.RNN(3, 4, bias=False, batch_first=True)
out, h = rnn(pattern((3, 3), 13), pattern((1, 4), 14))
show("output", out)
show("h_n", h)

print("== cells, seed 6")
torch.manual_seed(6)
rc = nn.RNNCell(3, 4, nonlinearity='relu')
lc = nn.LSTMCell(3, 4)
gc = nn.GRUCell(3, 4)
x = pattern((2, 3), 9)
h0 = pattern((2, 4), 10)
c0 = pattern((2, 4), 11)
show("RNNCell", rc(x, h0))
h, c = lc(x, (h0, c0))
show("LSTMCell h", h)
show("LSTMCell c", c)
show("GRUCell", gc(x, h0))
show("GRUCell unbatched no hx", gc(x[0]))

print("== names and shapes")
m = nn.LSTM(10, 20, num_layers=2, bidirectional=True)
print([(n, list(p.shape)) for n, p in m.named_parameters()])
print([(n, list(p.shape)) for n, p in nn.GRU(5, 6, bias=False).named_parameters()])
print([(n, list(p.shape)) for n, p in nn.GRUCell(5, 6).named_parameters()])

print("== reprs")
print(repr(nn.LSTM(10, 20, num_layers=2, batch_first=True)))
print(repr(nn.RNN(10, 20, nonlinearity='relu')))
print(repr(nn.GRU(10, 20, bias=False, dropout=0.25, bidirectional=True, num_layers=3)))
print(repr(nn.LSTM(10, 20, proj_size=5, dropout=1)))
print(repr(nn.RNNCell(3, 4, nonlinearity='relu', bias=False)), repr(nn.LSTMCell(3, 4)), repr(nn.GRUCell(3, 4)))

print("== errors")
for f in [lambda: nn.LSTM(10, 20)(torch.zeros(3, 2, 5)),
          lambda: nn.GRU(3, 4)(torch.zeros(2, 2, 3), torch.zeros(1, 3, 4)),
          lambda: nn.LSTM(3, 4)(torch.zeros(2, 2, 3), (torch.zeros(1, 2, 4), torch.zeros(1, 2, 5))),
          lambda: nn.RNN(3, 4)(torch.zeros(2, 3), torch.zeros(1, 1, 4)),
          lambda: nn.LSTMCell(3, 4)(torch.zeros(2, 5))]:
    try:
        f()
    except Exception as e:
        print(type(e).__name__, e)
