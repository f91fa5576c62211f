#!/usr/bin/env python3
"""Reference epsilons for the Poisson-subsampled Gaussian mechanism, written independently of the C# accountants.

Writes tests/fixtures/dp_reference_grid.json: for each (sigma, q, T, delta) of a grid spanning sigma in [0.3, 10],
q in [1e-5, 1], T in [1, 1e6], delta in [1e-10, 0.1], the RDP epsilon (Mironov et al. 2019, Opacus's orders and
conversion) and the PRV epsilon upper bound (Gopi, Lee and Wutschitz 2021, with Opacus's domain rule: window from
RDP at delta_error, mesh eps_error / sqrt(T log(12 / delta_error) / 2), delta_error = delta / 1000).

Only python3 and numpy. Where it differs in method from the C# code, on purpose:
- the truncated PRV's mean is an integral over the Gaussian sample x (the loss is a function of x), by composite
  Gauss-Legendre in x, rather than an integral of the CDF in t;
- epsilon is the root of delta(eps) = sum_{t_i > eps} p_i (1 - e^(eps - t_i)), by bisection, not a table lookup;
- the T-fold composition is one numpy FFT power on a zero-padded grid.
Cases whose PRV grid would exceed MAX_POINTS get no "prv" value; for q < 1 they get "prv_lower" and "prv_upper"
instead, a bracket of the true epsilon from dp_tilted_prv.py (a second, separate method, documented there): the same
discretisation with its error stated one-sided (Hoeffding for the rounding, total variation for the truncation, the
FFT's measured noise spent as delta), composed by exponential tilting, so the FFT only spans the sum's spread about
epsilon and its rounding is relative to the mass there: epsilon 3e4, and T = 1e6 at delta = 1e-10, fit 2^25 points.
The bracket is eps_error = max(0.01, 0.2% of RDP's epsilon) wide either side, plus the delta errors' effect.
For q = 1 (the plain Gaussian mechanism) every case also gets "gaussian_exact": T steps of noise sigma are exactly one
Gaussian mechanism with mu = sqrt(T) / sigma, whose delta(eps) = Phi(-eps / mu + mu / 2) - e^eps Phi(-eps / mu - mu / 2)
(Balle and Wang 2018) is solved for eps by bisection: a closed form, independent of any discretisation, that reaches
the corners no grid reaches.

Usage: nice -n 19 python3 tools/reference/dp_reference_grid.py [out.json]
(An existing out.json is kept: only cases missing from it, or missing both "prv" and its bracket, are computed. The
bracket takes seconds to several minutes a case and up to 1.7 GB, at 2^25 points.)
"""
import json
import math
import sys

import numpy as np

import dp_tilted_prv

ORDERS = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64))
EPS_ERROR = 0.01
MAX_POINTS = 1 << 22


def log_add(a, b):
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    hi, lo = max(a, b), min(a, b)
    return hi + math.log1p(math.exp(lo - hi))


def log_sub(a, b):
    if b == -math.inf:
        return a
    if a <= b:
        return -math.inf
    return a + math.log1p(-math.exp(b - a))


def log_erfc(x):
    if x < 20:
        return math.log(math.erfc(x))
    # Asymptotic series: erfc(x) = e^(-x^2) / (x sqrt(pi)) (1 - 1/(2x^2) + 3/(4x^4) - 15/(8x^6)).
    r = 1.0 / (2 * x * x)
    return -x * x - math.log(x) - 0.5 * math.log(math.pi) + math.log1p(-r + 3 * r * r - 15 * r ** 3)


def log_binom(a, i):
    """log |binom(a, i)| and its sign, for real a and integer i >= 0."""
    sign = 1.0
    value = 0.0
    for k in range(i):
        term = (a - k) / (k + 1)
        if term < 0:
            sign = -sign
        if term == 0:
            return -math.inf, 0.0
        value += math.log(abs(term))
    return value, sign


def log_a(q, sigma, alpha):
    if float(alpha).is_integer():
        a = int(alpha)
        total = -math.inf
        for i in range(a + 1):
            coef = math.lgamma(a + 1) - math.lgamma(i + 1) - math.lgamma(a - i + 1)
            s = coef + i * math.log(q) + (a - i) * math.log1p(-q) + (i * i - i) / (2 * sigma ** 2)
            total = log_add(total, s)
        return total
    a0 = a1 = -math.inf
    z0 = sigma ** 2 * math.log(1 / q - 1) + 0.5
    i = 0
    lb = 0.0
    sign = 1.0
    while True:
        j = alpha - i
        t0 = lb + i * math.log(q) + j * math.log1p(-q)
        t1 = lb + j * math.log(q) + i * math.log1p(-q)
        e0 = math.log(0.5) + log_erfc((i - z0) / (math.sqrt(2) * sigma))
        e1 = math.log(0.5) + log_erfc((z0 - j) / (math.sqrt(2) * sigma))
        s0 = t0 + (i * i - i) / (2 * sigma ** 2) + e0
        s1 = t1 + (j * j - j) / (2 * sigma ** 2) + e1
        if sign > 0:
            a0, a1 = log_add(a0, s0), log_add(a1, s1)
        else:
            a0, a1 = log_sub(a0, s0), log_sub(a1, s1)
        i += 1
        if max(s0, s1) < -30 or i > 10000:
            break
        term = (alpha - (i - 1)) / i
        lb += math.log(abs(term))
        if term < 0:
            sign = -sign
    return log_add(a0, a1)


def rdp_epsilon(history, delta):
    """Opacus's get_privacy_spent over ORDERS for a history of (sigma, q, steps)."""
    best = math.inf
    for alpha in ORDERS:
        rdp = 0.0
        for sigma, q, steps in history:
            if q == 1.0:
                rdp += steps * alpha / (2 * sigma ** 2)
            else:
                rdp += steps * log_a(q, sigma, alpha) / (alpha - 1)
        eps = rdp - (math.log(delta) + math.log(alpha)) / (alpha - 1) + math.log((alpha - 1) / alpha)
        best = min(best, eps)
    return best


def erfc_array(x):
    return np.frompyfunc(math.erfc, 1, 1)(x).astype(np.float64)


def prv_cdf(t, q, sigma):
    t = np.asarray(t, dtype=np.float64)
    out = np.zeros_like(t)
    inside = t > math.log1p(-q) if q < 1 else np.ones_like(t, dtype=bool)
    ti = t[inside]
    z = ti if q == 1 else np.log((np.exp(ti) + q - 1) / q)
    s = 2 * math.sqrt(2) * sigma
    out[inside] = 1 - q / 2 * erfc_array((2 * z * sigma ** 2 - 1) / s) - (1 - q) / 2 * erfc_array((2 * z * sigma ** 2 + 1) / s)
    return out


def truncated_mean(q, sigma, t_min, t_max):
    """E[t | t_min <= t < t_max], integrating over the Gaussian sample x ~ q N(1, s^2) + (1 - q) N(0, s^2)."""
    def x_of(t):
        if q < 1 and t <= math.log1p(-q):
            return -math.inf
        if q == 1:
            return sigma ** 2 * t + 0.5
        return sigma ** 2 * math.log((math.exp(min(t, 700)) + q - 1) / q) + 0.5
    lo = max(x_of(t_min), -40 * sigma)
    hi = min(x_of(t_max), 1 + 40 * sigma)
    nodes, weights = np.polynomial.legendre.leggauss(40)
    edges = np.linspace(lo, hi, 4001)
    half = (edges[1:] - edges[:-1])[:, None] / 2
    mid = (edges[1:] + edges[:-1])[:, None] / 2
    x = (mid + half * nodes[None, :]).ravel()
    w = (half * weights[None, :]).ravel()
    density = (q * np.exp(-(x - 1) ** 2 / (2 * sigma ** 2)) + (1 - q) * np.exp(-x ** 2 / (2 * sigma ** 2))) / (sigma * math.sqrt(2 * math.pi))
    loss = np.logaddexp(math.log(q) + (2 * x - 1) / (2 * sigma ** 2), math.log1p(-q) if q < 1 else -math.inf)
    return float(np.sum(w * density * loss) / np.sum(w * density))


def prv_epsilon(sigma, q, steps, delta):
    delta_error = delta / 1000
    half_width = max(rdp_epsilon([(sigma, q, steps)], delta_error / 4),
                     rdp_epsilon([(sigma, q, 1)], delta_error / (8 * steps)))
    half_width = max(half_width, EPS_ERROR) + 3
    dt = EPS_ERROR / math.sqrt(steps * math.log(12 / delta_error) / 2)
    k = math.ceil(half_width / dt)
    n = 2 * k + 2
    if n > MAX_POINTS:
        return None
    t = (np.arange(n) - k) * dt
    t_min, t_max = t[0], t[-1]
    lower, upper = prv_cdf(np.array([t_min, t_max]), q, sigma)
    cdf = (prv_cdf(np.concatenate([t - dt / 2, [t[-1] + dt / 2]]), q, sigma) - lower) / (upper - lower)
    cdf = np.clip(cdf, 0.0, 1.0)
    cdf[-1] = 1.0
    pmf = np.diff(cdf)
    shift = truncated_mean(q, sigma, t_min, t_max) - float(np.dot(t, pmf))
    # T-fold sum: index sums s map to (s - T k) dt; keep the window j = s - (T - 1) k, wrapping what lies beyond.
    size = 1 << (n - 1).bit_length()
    spectrum = np.fft.rfft(pmf, size) ** steps
    composed = np.fft.irfft(spectrum, size)
    offset = ((steps - 1) * k) % size
    pmf_t = composed[(np.arange(n) + offset) % size]
    t_t = t + steps * shift

    def delta_of(eps):
        above = t_t > eps
        return float(np.sum(pmf_t[above] * -np.expm1(eps - t_t[above])))

    target = delta - delta_error
    # Like Opacus, epsilon may come out below 0 (delta is met with room to spare); it is reported as computed.
    lo, hi = float(t_t[0]), float(t_t[-1])
    if delta_of(lo) <= target:
        return None
    for _ in range(200):
        mid = (lo + hi) / 2
        if delta_of(mid) > target:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return hi + EPS_ERROR


def gaussian_exact_epsilon(sigma, steps, delta):
    """Exact epsilon of T Gaussian steps (q = 1): the mu-GDP curve with mu = sqrt(T) / sigma."""
    mu = math.sqrt(steps) / sigma

    def delta_of(eps):
        # delta = Phi(a) - e^eps Phi(b), a = -eps/mu + mu/2, b = -eps/mu - mu/2; Phi(b) in logs, as e^eps Phi(b)
        # stays finite when both factors do not (eps in the millions).
        a = -eps / mu + mu / 2
        b = -eps / mu - mu / 2
        return 0.5 * math.erfc(-a / math.sqrt(2)) - math.exp(eps + math.log(0.5) + log_erfc(-b / math.sqrt(2)))

    lo, hi = -50.0, mu * mu / 2 + 50 * mu + 50
    for _ in range(400):
        mid = (lo + hi) / 2
        if delta_of(mid) > delta:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * max(1.0, abs(hi)):
            break
    return hi


def corners():
    """Every corner of sigma in [0.3, 10], q in [1e-5, 1], T in [1, 1e6], delta in [1e-10, 0.1]."""
    return [(sigma, q, T, d) for sigma in (0.3, 10.0) for q in (1e-5, 1.0) for T in (1, 1000000) for d in (1e-10, 0.1)]


def grid():
    sigmas = [0.3, 0.5, 1.0, 2.0, 10.0]
    rates = [1e-5, 1e-3, 0.01, 0.1, 1.0]
    steps = [1, 10, 1000, 100000, 1000000]
    deltas = [1e-10, 1e-5, 0.1]
    # A stratified subset: every value of each axis appears, and each case costs at most a few seconds.
    cases = []
    for i, sigma in enumerate(sigmas):
        for j, q in enumerate(rates):
            for l, d in enumerate(deltas):
                T = steps[(i + 2 * j + l) % len(steps)]
                cases.append((sigma, q, T, d))
    return cases


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/dp_reference_grid.json"
    try:
        with open(out) as f:
            rows = json.load(f)["cases"]
    except FileNotFoundError:
        rows = []
    done = {(r["noise_multiplier"], r["sample_rate"], r["steps"], r["delta"]) for r in rows}
    for sigma, q, T, d in grid() + corners():
        if (sigma, q, T, d) in done:
            continue
        done.add((sigma, q, T, d))
        rdp = rdp_epsilon([(sigma, q, T)], d)
        prv = prv_epsilon(sigma, q, T, d) if math.isfinite(rdp) else None
        row = {"noise_multiplier": sigma, "sample_rate": q, "steps": T, "delta": d, "rdp": rdp, "prv": prv}
        if q == 1.0:
            row["gaussian_exact"] = gaussian_exact_epsilon(sigma, T, d)
        rows.append(row)
        print(row, file=sys.stderr, flush=True)
    for row in rows:
        if row["prv"] is None and row["sample_rate"] < 1.0 and "prv_upper" not in row and math.isfinite(row["rdp"]):
            lower, upper, details = dp_tilted_prv.prv_bounds(
                row["noise_multiplier"], row["sample_rate"], row["steps"], row["delta"], row["rdp"])
            row["prv_lower"], row["prv_upper"] = lower, upper
            print(row, details, file=sys.stderr, flush=True)
            write(out, rows)
        if row["sample_rate"] == 1.0 and "gaussian_exact" not in row:
            row["gaussian_exact"] = gaussian_exact_epsilon(row["noise_multiplier"], row["steps"], row["delta"])
    write(out, rows)


def write(out, rows):
    with open(out, "w") as f:
        json.dump({"note": __doc__.strip().splitlines()[0] + " Made by tools/reference/dp_reference_grid.py.",
                   "cases": rows}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
