#!/usr/bin/env python3
"""Derives the constants of jit/cpu/vec_math_*.cpp: near-minimax polynomial coefficients and Cody-Waite splits.

Needs mpmath (pip install mpmath). Prints C++ initialisers; the .cpp files hold a copy of its output.
Fitting is Lawson's iteratively reweighted least squares on Chebyshev nodes, minimising the largest
*relative* error of the function each polynomial feeds (not of the polynomial itself).
"""
import mpmath as mp

mp.mp.dps = 60


def fit(target, weight, lo, hi, degree, nodes=400, iters=25):
    """Coefficients c_0..c_degree of sum c_k v^k ~ target(v) on [lo, hi], minimising max |weight * error|."""
    lo, hi = mp.mpf(lo), mp.mpf(hi)
    xs = [lo + (hi - lo) * (1 - mp.cos(mp.pi * (i + mp.mpf(0.5)) / nodes)) / 2 for i in range(nodes)]
    ys = [target(x) for x in xs]
    ws = [weight(x) for x in xs]
    lawson = [mp.mpf(1) / nodes] * nodes
    best = None
    for _ in range(iters):
        a = mp.matrix(nodes, degree + 1)
        b = mp.matrix(nodes, 1)
        for i, x in enumerate(xs):
            s = mp.sqrt(lawson[i]) * ws[i]
            for k in range(degree + 1):
                a[i, k] = s * x ** k
            b[i] = s * ys[i]
        c, _ = mp.qr_solve(a, b)
        c = [c[k] for k in range(degree + 1)]
        errs = [abs(ws[i] * (mp.polyval(c[::-1], xs[i]) - ys[i])) for i in range(nodes)]
        worst = max(errs)
        if best is None or worst < best[1]:
            best = (c, worst)
        total = sum(lawson[i] * errs[i] for i in range(nodes))
        lawson = [lawson[i] * errs[i] / total for i in range(nodes)]
    return best


def emit(name, coeffs, err):
    print(f"// max relative error of the fit (before rounding the coefficients): {mp.nstr(err, 3)}")
    print(f"constexpr double {name}[] = {{")
    for c in coeffs:
        print(f"    {mp.nstr(c, 20, strip_zeros=False)},")
    print("};")


def split(value, parts, bits, last_bits):
    """value ~ sum of parts: all but the last have at most `bits` significant bits (exact products with small integers)."""
    out, rest = [], mp.mpf(value)
    for i in range(parts):
        nbits = bits if i < parts - 1 else last_bits
        e = mp.floor(mp.log(abs(rest), 2))
        scale = mp.mpf(2) ** (nbits - 1 - e)
        p = mp.nint(rest * scale) / scale if i == parts - 1 else mp.floor(rest * scale) / scale
        out.append(p)
        rest -= p
    return out


def emit_split(name, parts):
    print(f"constexpr double {name}[] = {{{', '.join(float(p).hex() for p in parts)}}};")


def zero_safe(f, at_zero):
    return lambda v: f(v) if v != 0 else mp.mpf(at_zero)


def main():
    r_max = mp.mpf("0.35")  # exp's reduced argument: |x - n ln2| <= ln2/2 plus rounding
    expm1_p = zero_safe(lambda r: (mp.expm1(r) - r) / r ** 2, 0.5)
    expm1_w = zero_safe(lambda r: r ** 2 / abs(mp.expm1(r)), 0)
    for dt, deg in (("f32", 4), ("f64", 10)):
        emit(f"kExpPoly_{dt}", *fit(expm1_p, expm1_w, -r_max, r_max, deg))

    z_max = mp.mpf("0.0295")  # log: s = f/(2+f) with m in [sqrt(1/2), sqrt(2)), z = s^2
    log_q = zero_safe(lambda z: (2 * mp.atanh(mp.sqrt(z)) - 2 * mp.sqrt(z)) / (mp.sqrt(z) * z), mp.mpf(2) / 3)
    for dt, deg in (("f32", 2), ("f64", 6)):
        emit(f"kLogPoly_{dt}", *fit(log_q, lambda z: z / 2, 0, z_max, deg))

    erf_p = zero_safe(lambda v: mp.erf(mp.sqrt(v)) / mp.sqrt(v), 2 / mp.sqrt(mp.pi))
    for dt, cut, deg in (("f32", mp.mpf("0.9"), 5), ("f64", mp.mpf(1), 11)):
        emit(f"kErfSmallPoly_{dt}", *fit(erf_p, lambda v: 1, 0, cut ** 2, deg))

    # erfc(z) = exp(-z^2) * t * R(t) with t = 2/(2+z), from the small-branch cutoff to where erfc underflows.
    for dt, z_lo, z_hi, deg in (("f32", mp.mpf("0.9"), mp.mpf("10.5"), 8), ("f64", mp.mpf(1), mp.mpf(28), 20)):
        z_of = lambda t: 2 / t - 2
        r = lambda t: mp.erfc(z_of(t)) * mp.exp(z_of(t) ** 2) / t
        emit(f"kErfcPoly_{dt}", *fit(r, lambda t: 1 / r(t), 2 / (2 + z_hi), 2 / (2 + z_lo), deg, nodes=300))

    v_max = mp.mpf("0.9") ** 2  # |r| <= pi/4, plus slack for k = round(x * 2/pi) off by one at huge |x|
    sin_s = zero_safe(lambda v: (mp.sin(mp.sqrt(v)) / mp.sqrt(v) - 1) / v, mp.mpf(-1) / 6)
    cos_c = zero_safe(lambda v: (mp.cos(mp.sqrt(v)) - 1 + v / 2) / v ** 2, mp.mpf(1) / 24)
    for dt, deg in (("f32", 2), ("f64", 5)):
        emit(f"kSinPoly_{dt}", *fit(sin_s, lambda v: v, 0, v_max, deg))
        emit(f"kCosPoly_{dt}", *fit(cos_c, lambda v: v ** 2 / mp.cos(mp.sqrt(v)), 0, v_max, deg))

    ln2, half_pi = mp.log(2), mp.pi / 2
    print("// ln2 = hi + lo; hi has few enough bits that n*hi is exact for every exponent n that occurs.")
    emit_split("kLn2_f32", split(ln2, 2, 16, 24))
    emit_split("kLn2_f64", split(ln2, 2, 42, 53))
    print("// pi/2 in parts: with FMA, each part full width; without, all but the last short enough for exact k*part.")
    emit_split("kHalfPiFma_f32", split(half_pi, 3, 24, 24))
    emit_split("kHalfPiFma_f64", split(half_pi, 3, 53, 53))
    emit_split("kHalfPi_f32", split(half_pi, 4, 10, 24))
    emit_split("kHalfPi_f64", split(half_pi, 4, 31, 53))


if __name__ == "__main__":
    main()
