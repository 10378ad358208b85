# Prints the PyTorch values tests/data/*.cpp assert: sampler orders, DataLoader batch orders, and the
# image transforms (torchvision's tensor math written with torch ops, since torchvision is not installed).
import math
import torch
from torch.utils.data import DataLoader, RandomSampler, TensorDataset
import torch.nn.functional as F


def show(name, value):
    print(f"{name}: {value}")


print("# samplers")
for seed in (0, 42, 2024):
    g = torch.Generator().manual_seed(seed)
    s = RandomSampler(range(10), generator=g)
    show(f"RandomSampler(10) seed {seed} epoch 1", list(s))
    show(f"RandomSampler(10) seed {seed} epoch 2", list(s))
g = torch.Generator().manual_seed(7)
show("RandomSampler(10, num_samples=25) seed 7", list(RandomSampler(range(10), num_samples=25, generator=g)))
g = torch.Generator().manual_seed(7)
show("RandomSampler(10, replacement, num_samples=40) seed 7",
     list(RandomSampler(range(10), replacement=True, num_samples=40, generator=g)))
g = torch.Generator().manual_seed(3)
show("RandomSampler(5, replacement) seed 3", list(RandomSampler(range(5), replacement=True, generator=g)))

print("# DataLoader(shuffle=True) draws one int64 base seed from the generator before the permutation")
ds = TensorDataset(torch.arange(10))
for seed in (0, 42):
    g = torch.Generator().manual_seed(seed)
    loader = DataLoader(ds, batch_size=3, shuffle=True, generator=g)
    show(f"loader seed {seed} epoch 1", [b[0].tolist() for b in loader])
    show(f"loader seed {seed} epoch 2", [b[0].tolist() for b in loader])
torch.manual_seed(5)
loader = DataLoader(ds, batch_size=4, shuffle=True, drop_last=True)
show("default generator manual_seed(5) batch 4 drop_last", [b[0].tolist() for b in loader])

print("# transforms")
img = torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(2, 3, 4)
mean = torch.tensor([1.0, 2.0]).view(-1, 1, 1)
std = torch.tensor([2.0, 0.5]).view(-1, 1, 1)
show("normalize", ((img - mean) / std).flatten().tolist())
show("hflip", img.flip(-1).flatten().tolist())
# torchvision pads [left, top, right, bottom] -> F.pad [left, right, top, bottom]; then crops.
padded = F.pad(img, [1, 1, 1, 1], value=0.0)
show("pad 1 then crop top=2 left=1 size 3x3", padded[:, 2:5, 1:4].flatten().tolist())
padded = F.pad(img, [1, 1, 2, 2], mode="reflect")
show("reflect pad (1, 2) then crop top=0 left=2 size 2x4", padded[:, 0:2, 2:6].flatten().tolist())

for seed in (0, 1, 2):
    torch.manual_seed(seed)
    # RandomCrop(3, padding=1) on a 3x4 image: padded 5x6, offsets drawn as torchvision's get_params.
    i = torch.randint(0, 5 - 3 + 1, size=(1,)).item()
    j = torch.randint(0, 6 - 3 + 1, size=(1,)).item()
    show(f"RandomCrop(3, padding=1) seed {seed} offsets", (i, j))
for seed in (0, 1, 2, 3):
    torch.manual_seed(seed)
    flips = [bool(torch.rand(1) < 0.5) for _ in range(8)]
    show(f"RandomHorizontalFlip(0.5) seed {seed} eight draws", [int(f) for f in flips])
for seed in (0, 1):
    torch.manual_seed(seed)
    show(f"RandomRotation(30) seed {seed} angles",
         [float(torch.empty(1).uniform_(-30.0, 30.0).item()) for _ in range(3)])


def rotate(img, angle, mode, fill):
    # torchvision.transforms.functional.rotate for tensors (expand=False, center=None).
    c, h, w = img.shape
    rot = math.radians(-angle)
    a, b, cc, d = math.cos(rot), -math.sin(rot), math.sin(rot), math.cos(rot)
    matrix = [d, -b, 0.0, -cc, a, 0.0]
    theta = torch.tensor(matrix, dtype=img.dtype).reshape(1, 2, 3)
    base = torch.empty(1, h, w, 3, dtype=theta.dtype)
    base[..., 0].copy_(torch.linspace(-w * 0.5 + 0.5, w * 0.5 + 0.5 - 1, steps=w))
    base[..., 1].copy_(torch.linspace(-h * 0.5 + 0.5, h * 0.5 + 0.5 - 1, steps=h).unsqueeze_(-1))
    base[..., 2].fill_(1)
    rescaled = theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h], dtype=theta.dtype)
    grid = base.view(1, h * w, 3).bmm(rescaled).view(1, h, w, 2)
    x = img.unsqueeze(0)
    x = torch.cat((x, torch.ones((1, 1, h, w), dtype=x.dtype)), dim=1)
    x = F.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)
    mask = x[:, -1:, :, :]
    x = x[:, :-1, :, :]
    mask = mask.expand_as(x)
    fill_img = torch.tensor(fill, dtype=x.dtype).view(1, len(fill), 1, 1).expand_as(x)
    if mode == "nearest":
        m = mask < 0.5
        x[m] = fill_img[m]
    else:
        x = x * mask + (1.0 - mask) * fill_img
    return x[0]


sq = torch.arange(2 * 4 * 4, dtype=torch.float32).reshape(2, 4, 4)
show("rotate 90 nearest 2x4x4", rotate(sq, 90.0, "nearest", [0.0, 0.0]).flatten().tolist())
show("rotate 90 bilinear 2x4x4", rotate(sq, 90.0, "bilinear", [0.0, 0.0]).flatten().tolist())
wide = torch.arange(2 * 3 * 5, dtype=torch.float32).reshape(2, 3, 5)
show("rotate -90 nearest 2x3x5 fill (7, -1)", rotate(wide, -90.0, "nearest", [7.0, -1.0]).flatten().tolist())
show("rotate 90 bilinear 2x3x5 fill (7, -1)", rotate(wide, 90.0, "bilinear", [7.0, -1.0]).flatten().tolist())
show("rotate 30 nearest 2x4x4 fill 0", rotate(sq, 30.0, "nearest", [0.0, 0.0]).flatten().tolist())
show("rotate 30 bilinear 2x4x4 fill (5, 5)", [round(v, 6) for v in rotate(sq, 30.0, "bilinear", [5.0, 5.0]).flatten().tolist()])

# RandomCrop((5, 6), pad_if_needed=True, fill=-1) on the 3x4 image: torchvision pads left/right by 6 - 4 and
# top/bottom by 5 - 3 (both sides), giving 7x8, then crops at get_params' offset.
torch.manual_seed(0)
grown = F.pad(img, [2, 2, 0, 0], value=-1.0)
grown = F.pad(grown, [0, 0, 2, 2], value=-1.0)
i = torch.randint(0, 7 - 5 + 1, size=(1,)).item()
j = torch.randint(0, 8 - 6 + 1, size=(1,)).item()
show("RandomCrop((5, 6), pad_if_needed, fill=-1) seed 0 offset", (i, j))
show("... channel 0", grown[0, i:i + 5, j:j + 6].flatten().tolist())
