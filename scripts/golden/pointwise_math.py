# Prints the PyTorch 1.13 values that tests/eager/test_pointwise_math.cpp asserts (not run in CI).
# Run with a PyTorch 1.13 environment: python scripts/golden/pointwise_math.py
# Values print as C++ initializer lists (INFINITY, NAN), errors as "ERR <message>".
import math

import torch
import torch.nn.functional as F

inf, nan = math.inf, math.nan


def cxx(v):
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if math.isnan(v):
        return "NAN"
    if math.isinf(v):
        return "INFINITY" if v > 0 else "-INFINITY"
    return repr(v)


def show(label, fn):
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001 - the error text is the expected value
        print(f"{label}: ERR {str(e).splitlines()[0]}")
        return
    dtype = str(r.dtype).replace("torch.", "")
    print(f"{label} [{dtype}, {list(r.shape)}]: {{{', '.join(cxx(v) for v in r.flatten().tolist())}}}")


def f32(v):
    return torch.tensor(v, dtype=torch.float32)


def f64(v):
    return torch.tensor(v, dtype=torch.float64)


def i64(v, dtype=torch.int64):
    return torch.tensor(v, dtype=dtype)


print("== division and remainders ==")
show("floor_divide int", lambda: torch.floor_divide(i64([7, -7, 7, -7]), i64([2, 2, -2, -2])))
show("floor_divide float", lambda: torch.floor_divide(f32([7.0, -7.0, 1.0, -1.0, 0.0, -0.0]),
                                                      f32([2.0, 2.0, 0.0, 0.0, 3.0, 3.0])))
show("floor_divide scalar", lambda: torch.floor_divide(f32([7.5, -7.5]), 2))
show("floor_divide bool", lambda: torch.floor_divide(torch.tensor([True]), torch.tensor([True])))
show("floor_divide zero", lambda: torch.floor_divide(i64([1]), i64([0])))
a = [7.5, -7.5, 7.5, -7.5, 1.0, 5.0, inf, -0.0, 3.0, -5.0]
b = [2.0, 2.0, -2.0, -2.0, 0.0, inf, 2.0, 2.0, -3.0, inf]
show("remainder float", lambda: torch.remainder(f32(a), f32(b)))
show("fmod float", lambda: torch.fmod(f32(a), f32(b)))
show("remainder int", lambda: torch.remainder(i64([7, -7, 7, -7]), i64([3, 3, -3, -3])))
show("fmod int", lambda: torch.fmod(i64([7, -7, 7, -7]), i64([3, 3, -3, -3])))
show("remainder int8 min by -1", lambda: torch.remainder(i64([-128], torch.int8), i64([-1], torch.int8)))
show("remainder scalar", lambda: torch.remainder(i64([5, -5]), 3))
show("remainder scalar float", lambda: torch.remainder(i64([5, -5]), 1.5))
show("remainder scalar-tensor", lambda: torch.remainder(5, i64([3, -3])))
show("fmod scalar", lambda: torch.fmod(f32([5.0, -5.0]), 1.5))
show("remainder bool", lambda: torch.remainder(torch.tensor([True]), torch.tensor([True])))
show("remainder bool scalar", lambda: torch.remainder(torch.tensor([True, False]), 2))
show("fmod int zero", lambda: torch.fmod(i64([1]), 0))
show("remainder half", lambda: torch.remainder(torch.tensor([7.5, -7.5], dtype=torch.float16), 2))

print("== pow ==")
show("pow tt float", lambda: torch.pow(f32([2.0, 4.0, -8.0, 0.0, -2.0, 1.0]), f32([0.5, -1.5, 1.0 / 3, -1.0, 3.0, nan])))
show("pow ts 2.5", lambda: torch.pow(f32([4.0, 2.0, 0.0]), 2.5))
show("pow int ts 2", lambda: torch.pow(i64([3, -4, 5], torch.int32), 2))
show("pow int ts 2.5", lambda: torch.pow(i64([4, 9]), 2.5))
show("pow bool ts 2", lambda: torch.pow(torch.tensor([True, False]), 2))
show("pow bool tt", lambda: torch.pow(torch.tensor([True]), torch.tensor([True])))
show("pow st int", lambda: torch.pow(2, i64([3, 0, -1, -3])))
show("pow st float", lambda: torch.pow(2.5, i64([2, -1])))
show("pow st -2", lambda: torch.pow(-2, f32([0.5, 2.0, 3.0])))
show("pow st 0 int", lambda: torch.pow(0, i64([-1, 0, 2])))
show("pow st bool exp", lambda: torch.pow(2, torch.tensor([True, False])))
show("powi neg", lambda: torch.pow(i64([2, -2, 0, 1, -1, -1, 3]), i64([-1, -1, -1, -3, -3, -2, 40])))
show("powi int32 wrap", lambda: torch.pow(i64([3], torch.int32), i64([40], torch.int32)))
show("powi uint8 wrap", lambda: torch.pow(i64([3, 2], torch.uint8), i64([5, 9], torch.uint8)))
show("pow int neg scalar", lambda: torch.pow(i64([2]), -1))
show("pow spec .5", lambda: torch.pow(f32([-0.0, -inf, -4.0, 4.0]), 0.5))
show("pow spec -.5", lambda: torch.pow(f32([-0.0, -inf, 0.0, 4.0]), -0.5))
show("pow spec -1", lambda: torch.pow(f32([-0.0, -inf, 0.0, 4.0]), -1))
show("pow spec 2", lambda: torch.pow(f32([-0.0, -inf, 1e20, 1.1]), 2))
show("pow spec 3", lambda: torch.pow(f32([1.1, -0.0, 1e13]), 3))
show("pow spec -2", lambda: torch.pow(f32([1.1, -0.0, 1e20]), -2))
show("pow nan^0", lambda: torch.pow(f32([nan, 1.0]), 0))
show("pow half .5", lambda: torch.pow(torch.tensor([-0.0, -inf, 4.0], dtype=torch.float16), 0.5))
show("pow half 0.3", lambda: torch.pow(torch.tensor([3.0, 7.0], dtype=torch.float16), 0.3))
show("pow bf16 3", lambda: torch.pow(torch.tensor([1.1, 2.3, 3.7], dtype=torch.bfloat16), 3))
show("pow f64 tt", lambda: torch.pow(f64([2.0, 10.0]), f64([0.5, -2.5])))
show("pow int32 ^ f64 tensor", lambda: torch.pow(i64([2, 3], torch.int32), f64([2.5, 0.5])))
show("pow int8 300", lambda: torch.pow(i64([1], torch.int8), 300))

print("== float math (float32) ==")
x = [-2.5, -0.5, 0.0, 0.5, 1.0, 3.0]
u = [-1.0, -0.5, 0.0, 0.25, 0.9, 1.0]
pos = [1e-10, 0.5, 1.0, 2.0, 100.0, 1e30]
for name in ["exp2", "expm1", "sin", "cos", "tan", "atan", "sinh", "cosh", "erf", "erfc", "reciprocal"]:
    show(f"{name} x", lambda name=name: getattr(torch, name)(f32(x)))
for name in ["asin", "acos", "erfinv"]:
    show(f"{name} u", lambda name=name: getattr(torch, name)(f32(u)))
for name in ["log2", "log10", "log1p", "rsqrt"]:
    show(f"{name} pos", lambda name=name: getattr(torch, name)(f32(pos)))
specials = [nan, inf, -inf, -0.0]
for name in ["exp2", "expm1", "log2", "log10", "log1p", "sin", "cos", "tan", "asin", "acos", "atan", "sinh",
             "cosh", "erf", "erfc", "erfinv", "reciprocal", "rsqrt"]:
    show(f"{name} specials", lambda name=name: getattr(torch, name)(f32(specials)))
show("log1p edge", lambda: torch.log1p(f32([-1.0, -2.0, 1e-10])))
show("rsqrt edge", lambda: torch.rsqrt(f32([0.0, -0.0, -1.0])))
show("huge args", lambda: torch.sin(f32([1e30, 3e38])))
show("huge cos", lambda: torch.cos(f32([1e30])))
show("huge tan", lambda: torch.tan(f32([1e10])))
show("huge f64 sin", lambda: torch.sin(f64([1e300, 1e22])))
show("expm1 big", lambda: torch.expm1(f32([100.0, -100.0, 1e-10])))
show("sinh big", lambda: torch.sinh(f32([100.0, -100.0])))
show("erfc tail", lambda: torch.erfc(f32([10.0, -10.0, 5.0])))
show("atan2", lambda: torch.atan2(f32([1.0, 1.0, -1.0, 0.0, -0.0, 0.0, -0.0, inf]), f32([1.0, -1.0, -1.0, 0.0, 0.0, -0.0, -0.0, inf])))
show("atan2 int", lambda: torch.atan2(i64([1, -1]), i64([0, 0])))
show("atan2 bcast", lambda: torch.atan2(f32([[1.0], [2.0]]), f32([1.0, -1.0])))
show("sin int", lambda: torch.sin(i64([1, 2])))
show("reciprocal int", lambda: torch.reciprocal(i64([0, 2, -4])))
show("sqrt bool", lambda: torch.exp2(torch.tensor([True, False])))
print("== float64 ==")
show("sin f64", lambda: torch.sin(f64([0.5, 2.0, -3.0])))
show("erf f64", lambda: torch.erf(f64([0.5, 2.0, -3.0])))
show("erfinv f64", lambda: torch.erfinv(f64([0.5, 0.999, -0.3, 1e-7, 0.9999999999, -0.9999999999999])))
show("log1p f64", lambda: torch.log1p(f64([1e-300, 1e-10])))
show("expm1 f64", lambda: torch.expm1(f64([1e-300, 1e-10, 0.5])))
show("erfinv f32 fine", lambda: torch.erfinv(f32([1e-7, 0.999, 0.99999, -0.7, 0.3])))
print("== float16 / bfloat16 ==")
for dt in [torch.float16, torch.bfloat16]:
    v = torch.tensor([0.5, 1.0, 2.0, -3.0], dtype=dt)
    for name in ["sin", "exp2", "erf", "log1p", "rsqrt", "expm1", "atan"]:
        show(f"{name} {dt} via float", lambda name=name, v=v, dt=dt: getattr(torch, name)(v.float()).to(dt))
show("half atan2 via float", lambda: torch.atan2(torch.tensor([1.0, -2.0], dtype=torch.float16).float(),
                                                 torch.tensor([3.0, 0.5], dtype=torch.float16).float()).half())

print("== rounding ==")
r = [0.5, 1.5, 2.5, -0.5, -2.5, 2.4999, -1.7, 1e20, nan, inf, -0.0]
show("round", lambda: torch.round(f32(r)))
show("floor", lambda: torch.floor(f32(r)))
show("ceil", lambda: torch.ceil(f32(r)))
show("trunc", lambda: torch.trunc(f32(r)))
show("frac", lambda: torch.frac(f32([-2.5, 2.75, inf, -0.0, nan, 1e20])))
show("round int", lambda: torch.round(i64([3, -4], torch.int16)))
show("floor bool", lambda: torch.floor(torch.tensor([True])))
show("frac int", lambda: torch.frac(i64([1])))
show("round dec 2", lambda: torch.round(f32([1.2345, 2.675, -1.005, 1234.5, 1e38, 0.125]), decimals=2))
show("round dec -2", lambda: torch.round(f32([1250.0, 1350.0, -1250.0, 3.4e38, 15.0]), decimals=-2))
show("round dec f64", lambda: torch.round(f64([1.2345, 2.675, -1.005, 0.125]), decimals=2))
show("round dec 40", lambda: torch.round(f32([1.5]), decimals=40))
show("round dec bf16", lambda: torch.round(torch.tensor([1.2345, 2.675, 100.7], dtype=torch.bfloat16), decimals=1))
show("round dec int", lambda: torch.round(i64([1]), decimals=1))
show("round half", lambda: torch.round(torch.tensor([2.5, 3.5, -2.5, 0.5], dtype=torch.bfloat16)))
show("sign", lambda: torch.sign(f32([nan, -0.0, 0.0, -3.0, 2.0, inf, -inf])))
show("sign int", lambda: torch.sign(i64([-5, 0, 7], torch.int8)))
show("sign uint8", lambda: torch.sign(i64([0, 7], torch.uint8)))
show("sign bool", lambda: torch.sign(torch.tensor([True, False])))

print("== clamp ==")
cx = [nan, -2.0, 0.5, 3.0]
show("clamp -1 1", lambda: torch.clamp(f32(cx), -1, 1))
show("clamp min>max", lambda: torch.clamp(f32(cx), 2, 1))
show("clamp nan min both", lambda: torch.clamp(f32(cx), nan, 1))
show("clamp nan max only", lambda: torch.clamp(f32(cx), None, nan))
show("clamp nan min only", lambda: torch.clamp(f32(cx), nan))
show("clamp_min nan", lambda: torch.clamp_min(f32(cx), nan))
show("clamp_max nan", lambda: torch.clamp_max(f32(cx), nan))
show("clamp none", lambda: torch.clamp(f32(cx)))
show("clamp int float bounds", lambda: torch.clamp(i64([1, 5]), 0.5, 2.5))
show("clamp int max float", lambda: torch.clamp(i64([1, 5]), max=2.5))
show("clamp int bounds", lambda: torch.clamp(i64([-3, 1, 5], torch.int8), -1, 3))
show("clamp bool int", lambda: torch.clamp(torch.tensor([True, False]), 0, 1))
show("clamp bool bool", lambda: torch.clamp(torch.tensor([True, False]), False, True))
show("clamp uint8 -1", lambda: torch.clamp(i64([1, 5], torch.uint8), -1, 3))
show("clamp int8 300", lambda: torch.clamp(i64([1], torch.int8), None, 300))
show("clamp f32 1e300", lambda: torch.clamp(f32([1.0]), None, 1e300))
show("clamp_ int float", lambda: i64([1, 5]).clamp_(0.5, 2.5))
show("clamp 0d min", lambda: torch.clamp(i64([1, 5]), torch.tensor(2.5)))
show("clamp tensor", lambda: torch.clamp(f32([0.5, 0.5, nan, 5.0, -5.0]), f32([nan, 0.0, 0.0, 0.0, 0.0]),
                                         f32([1.0, nan, 1.0, 1.0, 1.0])))
show("clamp tensor min>max", lambda: torch.clamp(f32([0.5]), f32([2.0]), f32([1.0])))
show("clamp tensor bcast", lambda: torch.clamp(f32([1.0, 2.0]), f32([[0.0], [1.5]])))
show("clamp tensor min only nan", lambda: torch.clamp(f32([0.5, nan, 0.5]), f32([nan, 0.0, 1.0])))
show("clamp tensor max only", lambda: torch.clamp(f32([0.5, 3.0]), None, f32([1.0, 1.0])))
show("clamp tensor promote", lambda: torch.clamp(i64([1, 5]), f32([1.5, 1.5]), None))
show("clamp tensor int", lambda: torch.clamp(i64([1, 5, -9], torch.int32), i64([2, 2, 2]), i64([4, 4, 4])))
show("clamp tensor bool", lambda: torch.clamp(torch.tensor([True]), torch.tensor([True]), torch.tensor([True])))
show("clamp_min tensor", lambda: torch.clamp_min(f32([1.0, 2.0, nan]), f32([1.5, 1.5, 0.0])))
show("clamp_max scalar int", lambda: torch.clamp_max(i64([1, 5]), 3))
show("clamp_min bool tensor", lambda: torch.clamp_min(torch.tensor([True, False]), torch.tensor([False, True])))

print("== minimum / maximum ==")
show("minimum", lambda: torch.minimum(f32([nan, 1.0, 2.0, -inf]), f32([1.0, nan, 3.0, 0.0])))
show("maximum", lambda: torch.maximum(f32([nan, 1.0, 2.0, -inf]), f32([1.0, nan, 3.0, 0.0])))
show("maximum promote", lambda: torch.maximum(i64([1, 5]), f32([2.5, 2.5])))
show("minimum int", lambda: torch.minimum(i64([1, -5], torch.int16), i64([2], torch.int16)))
show("maximum bool", lambda: torch.maximum(torch.tensor([True, False]), torch.tensor([False, False])))

print("== lerp / addcmul / addcdiv ==")
show("lerp scalar", lambda: torch.lerp(f32([1.0, 1.0, -2.0]), f32([3.0, 5.0, 5.0]), 0.25))
show("lerp scalar .75", lambda: torch.lerp(f32([1.0, 1.0, -2.0]), f32([3.0, 5.0, 5.0]), 0.75))
show("lerp tensor", lambda: torch.lerp(f32([1.0, 1.0, -2.0, 0.0]), f32([3.0, 3.0, 5.0, inf]), f32([0.25, 0.75, 1.5, 0.0])))
show("lerp bcast", lambda: torch.lerp(f32([[1.0], [2.0]]), f32([3.0, 4.0]), 0.5))
show("lerp bcast weight", lambda: torch.lerp(f32([1.0, 2.0]), f32([3.0, 4.0]), f32([[0.5], [0.25]])))
show("lerp f64", lambda: torch.lerp(f64([0.1]), f64([0.7]), 0.3))
show("lerp bf16", lambda: torch.lerp(torch.tensor([1.0, 2.0], dtype=torch.bfloat16), torch.tensor([3.0, 7.0], dtype=torch.bfloat16), 0.3))
show("lerp dtype", lambda: torch.lerp(f32([1.0]), f64([1.0]), 0.5))
show("lerp w dtype", lambda: torch.lerp(f32([1.0]), f32([1.0]), f64([0.5])))
show("lerp int", lambda: torch.lerp(i64([1]), i64([2]), 0.5))
show("addcmul", lambda: torch.addcmul(f32([1.0, 2.0]), f32([2.0, 3.0]), f32([3.0, -1.0]), value=0.5))
show("addcmul promote", lambda: torch.addcmul(i64([1, 2]), f32([1.5, 2.0]), i64([2, 2]), value=2))
show("addcmul int", lambda: torch.addcmul(i64([1, 2]), i64([3, 4]), i64([5, 6]), value=2))
show("addcmul int float value", lambda: torch.addcmul(i64([1]), i64([2]), i64([3]), value=1.5))
show("addcmul int8 wrap", lambda: torch.addcmul(i64([100], torch.int8), i64([10], torch.int8), i64([10], torch.int8)))
show("addcmul bcast", lambda: torch.addcmul(f32([1.0]), f32([[2.0], [3.0]]), f32([1.0, 2.0])))
show("addcmul bool", lambda: torch.addcmul(torch.tensor([True]), torch.tensor([True]), torch.tensor([True])))
show("addcdiv", lambda: torch.addcdiv(f32([1.0, 2.0, 0.0]), f32([1.0, 3.0, 0.0]), f32([2.0, 0.0, 0.0]), value=0.5))
show("addcdiv mixed", lambda: torch.addcdiv(i64([1, 2]), f32([1.0, 3.0]), i64([2, 4]), value=0.5))
show("addcdiv int", lambda: torch.addcdiv(f32([1.0]), i64([1]), i64([2])))
show("addcmul 1e300", lambda: torch.addcmul(f32([1.0]), f32([2.0]), f32([2.0]), value=1e300))

print("== logical / bitwise ==")
show("logical_and", lambda: torch.logical_and(f32([0.5, 0.0, nan, 2.0]), i64([1, 1, 1, 0])))
show("logical_or", lambda: torch.logical_or(i64([0, 0, 3]), f32([0.0, -0.0, 0.0])))
show("logical_xor", lambda: torch.logical_xor(i64([1, 0, 2]), f32([0.0, 0.0, 3.0])))
show("logical_not", lambda: torch.logical_not(f32([0.0, -0.0, nan, 2.0])))
show("logical_and_ float", lambda: f32([1.5, 0.0, 2.0]).logical_and_(i64([1, 1, 0])))
show("logical_not_ int", lambda: i64([3, 0]).logical_not_())
show("bitwise_and", lambda: torch.bitwise_and(i64([12, -1, 5], torch.int8), i64([10, 7, 3], torch.int8)))
show("bitwise_or", lambda: torch.bitwise_or(i64([12, -128, 5], torch.int8), i64([10, 1, 3], torch.int8)))
show("bitwise_xor", lambda: torch.bitwise_xor(i64([12, -1, 5], torch.int8), i64([10, 7, 3], torch.int8)))
show("bitwise bool", lambda: torch.tensor([True, True, False]) & torch.tensor([True, False, False]))
show("bitwise xor bool", lambda: torch.tensor([True, False]) ^ torch.tensor([True, True]))
show("bitwise or bool int8", lambda: torch.tensor([True, False]) | i64([2, 4], torch.int8))
show("bitwise and scalar", lambda: i64([5, 6]) & 3)
show("bitwise and scalar-tensor", lambda: torch.bitwise_and(3, i64([1, 2])))
show("bitwise and bool int scalar", lambda: torch.tensor([True, False]) & 1)
show("bitwise and bool bool scalar", lambda: torch.tensor([True, False]) & True)
show("bitwise int8 300", lambda: i64([1, 44], torch.int8) & 300)
show("bitwise float", lambda: f32([1.0]) & f32([1.0]))
show("bitwise int float scalar", lambda: i64([1]) & 1.5)
show("bitwise_not", lambda: ~i64([0, 5, -1], torch.int8))
show("bitwise_not uint8", lambda: ~i64([0, 5], torch.uint8))
show("bitwise_not bool", lambda: ~torch.tensor([True, False]))
show("bitwise_not float", lambda: ~f32([1.0]))
show("lshift", lambda: torch.bitwise_left_shift(i64([5, -5, 5, 1]), i64([3, 3, 62, 63])))
show("rshift", lambda: torch.bitwise_right_shift(i64([-9223372036854775808, 40, -40, -1]), i64([63, 3, 3, 1])))
show("lshift int8 7", lambda: i64([3], torch.int8) << i64([7], torch.int8))
show("lshift int8 9", lambda: i64([3], torch.int8) << i64([9], torch.int8))
show("rshift int8 9", lambda: i64([-100], torch.int8) >> i64([9], torch.int8))
show("rshift uint8 9", lambda: i64([200], torch.uint8) >> i64([9], torch.uint8))
show("lshift scalar", lambda: i64([1, 2]) << 3)
show("lshift scalar-tensor", lambda: torch.bitwise_left_shift(1, i64([1, 2])))
show("lshift bool", lambda: torch.tensor([True]) << torch.tensor([True]))
show("lshift bool scalar", lambda: torch.tensor([True, False]) << 1)
show("lshift float", lambda: f32([1.0]) << 1)

print("== special values ==")
sv = [nan, inf, -inf, 1.0, -0.0, 3.4e38]
show("isnan", lambda: torch.isnan(f32(sv)))
show("isinf", lambda: torch.isinf(f32(sv)))
show("isfinite", lambda: torch.isfinite(f32(sv)))
show("isinf half", lambda: torch.isinf(torch.tensor([inf, 65504.0, nan], dtype=torch.float16)))
show("isfinite int", lambda: torch.isfinite(i64([1, 2])))
nv = [nan, inf, -inf, 1.0]
show("nan_to_num f32", lambda: torch.nan_to_num(f32(nv)))
show("nan_to_num f64", lambda: torch.nan_to_num(f64(nv)))
show("nan_to_num f16", lambda: torch.nan_to_num(torch.tensor(nv, dtype=torch.float16)))
show("nan_to_num bf16", lambda: torch.nan_to_num(torch.tensor(nv, dtype=torch.bfloat16)))
show("nan_to_num args", lambda: torch.nan_to_num(f32(nv), 1.5, 100.0, -1e3))
show("nan_to_num f16 1e6", lambda: torch.nan_to_num(torch.tensor([inf], dtype=torch.float16), posinf=1e6))
show("nan_to_num int", lambda: torch.nan_to_num(i64([1, 2]), 1.5, 100.0, -1e3))
show("nan_to_num_", lambda: f32([nan, 1.0]).nan_to_num_(2.0))

print("== activations ==")
ax = [nan, -inf, -100.0, -4.0, -1.0, -1e-8, -0.0, 0.5, 2.0, 100.0, inf]
show("relu6", lambda: F.relu6(f32(ax)))
show("leaky_relu", lambda: F.leaky_relu(f32(ax), 0.2))
show("leaky_relu default", lambda: F.leaky_relu(f32([-1.0, 1.0])))
show("elu", lambda: F.elu(f32(ax), 0.5))
show("elu full", lambda: torch._C._nn.elu(f32([-1.0, 2.0]), 0.5, 2.0, 3.0))
show("selu", lambda: F.selu(f32(ax)))
show("celu", lambda: F.celu(f32(ax), 2.0))
show("celu 0", lambda: F.celu(f32([-1.0]), 0.0))
show("gelu", lambda: F.gelu(f32(ax)))
show("gelu tanh", lambda: F.gelu(f32(ax), approximate="tanh"))
show("gelu bad", lambda: F.gelu(f32([1.0]), approximate="foo"))
show("silu", lambda: F.silu(f32(ax)))
show("mish", lambda: F.mish(f32(ax)))
show("softplus", lambda: F.softplus(f32(ax)))
show("softplus beta", lambda: F.softplus(f32([-100.0, -1.0, 0.0, 1.0, 7.0, 8.0, 25.0]), 2.0, 15.0))
show("softplus neg beta", lambda: F.softplus(f32([-1.0, 1.0]), -1.0))
show("hardtanh", lambda: F.hardtanh(f32(ax)))
show("hardtanh bounds", lambda: F.hardtanh(f32([-3.0, 0.5, 3.0]), -2.0, 2.5))
show("hardtanh min>max", lambda: F.hardtanh(f32([0.0, 5.0]), 2.0, 1.0))
show("hardtanh int", lambda: F.hardtanh(i64([-3, 0, 5])))
show("hardtanh int float bounds", lambda: F.hardtanh(i64([1, 5]), 0.5, 3.5))
show("hardtanh uint8", lambda: F.hardtanh(i64([1, 5], torch.uint8), 0, 3))
show("hardtanh uint8 neg", lambda: F.hardtanh(i64([1, 5], torch.uint8)))
show("hardtanh bool", lambda: F.hardtanh(torch.tensor([True])))
show("relu6 int", lambda: F.relu6(i64([-3, 3, 9], torch.int16)))
show("hardsigmoid", lambda: F.hardsigmoid(f32(ax)))
show("hardswish", lambda: F.hardswish(f32(ax)))
show("logsigmoid", lambda: F.logsigmoid(f32(ax)))
show("leaky int", lambda: F.leaky_relu(i64([1])))
show("leaky 1e300", lambda: F.leaky_relu(f32([-1.0]), 1e300))
av = [-1.0, 0.5, 2.0]
for name in ["relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "softplus", "hardtanh", "hardsigmoid",
             "hardswish", "logsigmoid"]:
    show(f"{name} f64", lambda name=name: getattr(F, name)(f64(av)))
show("mish f64", lambda: F.mish(f64(av)))
for name in ["gelu", "silu", "elu", "softplus", "logsigmoid", "hardswish", "mish"]:
    show(f"{name} bf16 via float", lambda name=name: getattr(F, name)(torch.tensor(av, dtype=torch.bfloat16).float()).bfloat16())
show("leaky_relu_", lambda: F.leaky_relu_(f32([-1.0, 1.0]), 0.5))
show("elu_", lambda: F.elu_(f32([-1.0, 1.0])))
show("hardtanh_ int", lambda: F.hardtanh_(i64([-3, 5])))

print("== strided, broadcast, 0-d, empty ==")
base = torch.arange(6, dtype=torch.float32)
show("atan2 transposed", lambda: torch.atan2(base.view(2, 3).t() - 2.5, f32([1.0, -1.0])))
show("pow strided", lambda: torch.pow(base[1::2], 2))
show("remainder 0d", lambda: torch.remainder(torch.tensor(-7.5), torch.tensor(2.0)))
show("clamp 0d", lambda: torch.clamp(torch.tensor(5.0), 0, 1))
show("sin empty", lambda: torch.sin(torch.zeros(0, 3)))
show("lerp strided", lambda: torch.lerp(base.view(2, 3).t(), f32([10.0, 20.0]), 0.5))
show("addcmul strided", lambda: torch.addcmul(base[::2], base[1::2], base[::2]))
