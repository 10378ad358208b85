"""Golden values for tests/optim: optimizer trajectories, scheduler rates and gradient clipping (PyTorch 1.13).

Run with /tmp/torchenv/bin/python scripts/golden/optim.py; it prints C++ initializers to paste into the tests.
The problem: w (2x3) and b (2) from fixed literals, loss = sum(c * (w - t)^2) + sum((b - tb)^2).
"""
import warnings

import torch

warnings.filterwarnings("ignore")
torch.set_printoptions(precision=10)

W0 = [[0.5, -1.25, 2.0], [1.5, 0.75, -0.5]]
T = [[0.1, 0.2, -0.3], [0.4, -0.6, 0.9]]
C = [[1.0, 2.0, 0.5], [3.0, 1.5, 0.25]]
B0 = [0.3, -0.7]
TB = [1.1, -0.2]


def params():
    return torch.tensor(W0, requires_grad=True), torch.tensor(B0, requires_grad=True)


def loss_of(w, b):
    return (torch.tensor(C) * (w - torch.tensor(T)).pow(2)).sum() + (b - torch.tensor(TB)).pow(2).sum()


def cpp(values):
    return "{" + ", ".join(repr(float(v)) for v in values) + "}"


def trajectory(name, make, steps=5, groups=False):
    w, b = params()
    opt = make([{"params": [w]}, {"params": [b]}] if groups else [w, b])
    rows = []
    for _ in range(steps):
        opt.zero_grad()
        loss_of(w, b).backward()
        opt.step()
        rows.append(cpp(torch.cat([w.detach().flatten(), b.detach()]).tolist()))
    print(f"// {name}\n{{" + ",\n ".join(rows) + "}")


O = torch.optim
print("// ---- optimizer trajectories: w (6 values) then b (2), after each of 5 steps ----")
trajectory("SGD lr=0.1", lambda p: O.SGD(p, lr=0.1))
trajectory("SGD lr=0.1 momentum=0.9", lambda p: O.SGD(p, lr=0.1, momentum=0.9))
trajectory("SGD lr=0.1 momentum=0.9 dampening=0.5", lambda p: O.SGD(p, lr=0.1, momentum=0.9, dampening=0.5))
trajectory("SGD lr=0.1 momentum=0.9 nesterov", lambda p: O.SGD(p, lr=0.1, momentum=0.9, nesterov=True))
trajectory("SGD lr=0.1 momentum=0.9 weight_decay=0.1", lambda p: O.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.1))
trajectory("Adam lr=0.1", lambda p: O.Adam(p, lr=0.1))
trajectory("Adam lr=0.1 betas=(0.8,0.99) eps=1e-3", lambda p: O.Adam(p, lr=0.1, betas=(0.8, 0.99), eps=1e-3))
trajectory("Adam lr=0.1 weight_decay=0.1", lambda p: O.Adam(p, lr=0.1, weight_decay=0.1))
trajectory("Adam lr=0.1 betas=(0.9,0.5)", lambda p: O.Adam(p, lr=0.1, betas=(0.9, 0.5)))
trajectory("Adam lr=0.1 betas=(0.9,0.5) amsgrad", lambda p: O.Adam(p, lr=0.1, betas=(0.9, 0.5), amsgrad=True))
trajectory("AdamW lr=0.1", lambda p: O.AdamW(p, lr=0.1))
trajectory("AdamW lr=0.1 weight_decay=0.1 betas=(0.9,0.5) amsgrad",
           lambda p: O.AdamW(p, lr=0.1, weight_decay=0.1, betas=(0.9, 0.5), amsgrad=True))
trajectory("RMSprop lr=0.01", lambda p: O.RMSprop(p, lr=0.01))
trajectory("RMSprop lr=0.01 momentum=0.9", lambda p: O.RMSprop(p, lr=0.01, momentum=0.9))
trajectory("RMSprop lr=0.01 centered", lambda p: O.RMSprop(p, lr=0.01, centered=True))
trajectory("RMSprop lr=0.01 alpha=0.9 centered momentum=0.5 weight_decay=0.1",
           lambda p: O.RMSprop(p, lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.1))
trajectory("Adagrad lr=0.1", lambda p: O.Adagrad(p, lr=0.1))
trajectory("Adagrad lr=0.1 lr_decay=0.1", lambda p: O.Adagrad(p, lr=0.1, lr_decay=0.1))
trajectory("Adagrad lr=0.1 weight_decay=0.1", lambda p: O.Adagrad(p, lr=0.1, weight_decay=0.1))
trajectory("Adagrad lr=0.1 initial_accumulator_value=0.5 eps=1e-3",
           lambda p: O.Adagrad(p, lr=0.1, initial_accumulator_value=0.5, eps=1e-3))
trajectory("SGD groups: w lr=0.1 momentum=0.9 (defaults), b lr=0.01 momentum=0",
           lambda p: O.SGD([p[0], {"params": p[1]["params"], "lr": 0.01, "momentum": 0.0}], lr=0.1, momentum=0.9),
           groups=True)
trajectory("Adam groups: w lr=0.1 (defaults), b lr=0.02 amsgrad betas=(0.9,0.5)",
           lambda p: O.Adam([p[0], {"params": p[1]["params"], "lr": 0.02, "amsgrad": True, "betas": (0.9, 0.5)}],
                            lr=0.1), groups=True)

# Steps 1-2, state_dict round trip into a fresh optimizer, steps 3-5: must equal 5 uninterrupted steps.
w, b = params()
opt = O.Adam([w, b], lr=0.1, amsgrad=True)
for _ in range(2):
    opt.zero_grad(); loss_of(w, b).backward(); opt.step()
sd = opt.state_dict()
print("// Adam amsgrad state after 2 steps:", {k: v for k, v in sd["state"][0].items() if k == "step"}, sd["param_groups"])
print("// exp_avg of w after 2 steps", cpp(sd["state"][0]["exp_avg"].flatten().tolist()))


def lrs_of(opt):
    return [g["lr"] for g in opt.param_groups]


def schedule(name, make_opt, make_sched, steps=12, momentum=None):
    w, b = params()
    opt = make_opt([{"params": [w]}, {"params": [b], "lr": 0.05}])
    sched = make_sched(opt)
    seq = [sched.get_last_lr()[0]]
    seq1 = [sched.get_last_lr()[1]]
    moms = [momentum(opt)] if momentum else []
    for _ in range(steps):
        opt.step()
        sched.step()
        seq.append(sched.get_last_lr()[0])
        seq1.append(sched.get_last_lr()[1])
        if momentum:
            moms.append(momentum(opt))
    print(f"// {name}\n// group 0: {cpp(seq)}\n// group 1: {cpp(seq1)}")
    if momentum:
        print(f"// momentum: {cpp(moms)}")


print("\n// ---- schedulers: group 0 starts at lr 0.1, group 1 at 0.05; rates at construction then after each step ----")
sgd = lambda g: O.SGD(g, lr=0.1, momentum=0.9)
S = O.lr_scheduler
schedule("StepLR step_size=3 gamma=0.1", sgd, lambda o: S.StepLR(o, 3, gamma=0.1))
schedule("MultiStepLR milestones={2,5,5,9} gamma=0.1", sgd, lambda o: S.MultiStepLR(o, [2, 5, 5, 9], gamma=0.1))
schedule("ExponentialLR gamma=0.9", sgd, lambda o: S.ExponentialLR(o, 0.9))
schedule("CosineAnnealingLR T_max=5 eta_min=0.01", sgd, lambda o: S.CosineAnnealingLR(o, 5, eta_min=0.01))
schedule("OneCycleLR max_lr=1.0 total_steps=12 (cos)", sgd, lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=12),
         momentum=lambda o: o.param_groups[0]["momentum"])
schedule("OneCycleLR max_lr={1.0,0.5} total_steps=12 linear pct_start=0.25", sgd,
         lambda o: S.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=12, anneal_strategy="linear", pct_start=0.25),
         momentum=lambda o: o.param_groups[0]["momentum"])
schedule("OneCycleLR max_lr=1.0 total_steps=12 three_phase div_factor=10 final_div_factor=100 pct_start=0.25, Adam",
         lambda g: O.Adam(g, lr=0.1),
         lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=12, three_phase=True, div_factor=10.0,
                                final_div_factor=100.0, pct_start=0.25),
         momentum=lambda o: o.param_groups[0]["betas"][0])

metrics = [1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def plateau(name, **kwargs):
    w, b = params()
    opt = O.SGD([{"params": [w]}, {"params": [b], "lr": 0.05}], lr=0.1)
    sched = S.ReduceLROnPlateau(opt, **kwargs)
    seq, seq1 = [], []
    for m in metrics:
        sched.step(m)
        seq.append(opt.param_groups[0]["lr"])
        seq1.append(opt.param_groups[1]["lr"])
    print(f"// ReduceLROnPlateau {name}\n// group 0: {cpp(seq)}\n// group 1: {cpp(seq1)}")


print("// metrics:", cpp(metrics))
plateau("min rel patience=1 factor=0.5 cooldown=1 min_lr=0.02", patience=1, factor=0.5, cooldown=1, min_lr=0.02)
plateau("max abs threshold=0.05 patience=0 factor=0.1 min_lr={0.001, 0.004}", mode="max", threshold_mode="abs",
        threshold=0.05, patience=0, factor=0.1, min_lr=[0.001, 0.004])
plateau("min abs threshold=0.02 patience=2 eps=0.03 factor=0.5", threshold_mode="abs", threshold=0.02, patience=2,
        eps=0.03, factor=0.5)

print("\n// ---- clipping: gradients of the loss at w0, b0 ----")
for norm_type in [2.0, 1.0, float("inf")]:
    for max_norm in [1.0, 100.0]:
        w, b = params()
        loss_of(w, b).backward()
        total = torch.nn.utils.clip_grad_norm_([w, b], max_norm, norm_type)
        print(f"// clip_grad_norm_ max_norm={max_norm} norm_type={norm_type}: total {repr(total.item())}\n"
              f"// {cpp(torch.cat([w.grad.flatten(), b.grad]).tolist())}")
w, b = params()
loss_of(w, b).backward()
print("// gradients", cpp(torch.cat([w.grad.flatten(), b.grad]).tolist()))
torch.nn.utils.clip_grad_value_([w, b], 0.5)
print("// clip_grad_value_ 0.5", cpp(torch.cat([w.grad.flatten(), b.grad]).tolist()))
