"""PRV epsilon bounds by exponentially tilted FFT composition, for the cases a plain FFT grid cannot reach.

Written from the papers, independently of the C# accountant (src/Privacy) and of dp_reference_grid.py's own PRV path:
- Discretisation and its error (Gopi, Lee and Wutschitz 2021, section 5's argument, redone here one-sided): each
  step's loss Y (Poisson-subsampled Gaussian, remove adjacency) is cut to a window W holding all but tau of each
  tail, rounded to the centre of its cell of width h, and the whole lattice is shifted so the rounded mean equals the truncated mean
  (an integral over the Gaussian sample x). The rounding errors then have mean 0 and lie in an interval of width h, so
  by Hoeffding the T-step sum of rounded losses exceeds (falls short of) the true sum by more than eps_error with
  probability at most delta_h = exp(-2 eps_error^2 / (T h^2)); truncation moves each step by at most 2 tau in total
  variation, so delta by at most 2 T tau. Hence, with D(eps) the delta curve of the rounded sum,
      eps_upper = D^-1(delta - delta_h - 2 T tau - noise) + eps_error  >=  true epsilon  >=
      eps_lower = D^-1(delta + delta_h + 2 T tau + noise) - eps_error.
  Here delta_h = delta / 2000, 2 T tau = delta / 8000 and eps_error = max(0.01, 0.002 * epsilon) (RDP's epsilon as the
  estimate); a case whose tilted FFT would pass MAX_SIZE points raises (none of the grid's does: at most
  2^25, sigma 0.3, q 1e-5, T 1e6, delta 1e-10, 1.7 GB at the peak).
- Composition by exponential tilting (the saddle-point device of large deviations; Esscher 1932): the step's mass
  function p_j on t_j = j h is replaced by p~_j = p_j e^(lambda t_j) / M(lambda), lambda chosen so that T times the
  tilted mean sits at epsilon. The T-fold convolution of p~ is concentrated within a few standard deviations of
  epsilon, so a circular FFT over K = 12 of them on either side holds it with no wrap-around to speak of (the tilt
  is first centred by the Chernoff exponent, then re-centred on the epsilon found until that lies near the middle),
  and the untilted mass p^{*T}_J = M^T e^(-lambda J h) p~^{*T}_J is then known to the FFT's rounding relative to itself
  near epsilon, not relative to the whole distribution's peak: at T = 1e6 that is ~1e-10 of delta, where the plain
  FFT's noise (~T * 1.1e-16 absolute) is as large as delta = 1e-10. The grid's size depends on the spread of the
  sum, not on its range, so epsilons in the tens of thousands fit too.
- Cell masses from whichever tail is smaller (differences of erfc, never 1 - CDF), so far-right cells keep their
  relative accuracy when the tilt multiplies them by e^(lambda t).
- The noise term: the FFT's rounding, estimated as the largest negative composed mass (a true mass is >= 0) and spent
  as delta, with the wrap-around estimate (the composed mass at the window's edges).
- Epsilon is the root of D(eps) = sum_{s_J > eps} p_J (1 - e^(eps - s_J)), found by bisection.
"""
import math

import numpy as np

K_SIGMAS = 12
MAX_SIZE = 1 << 25
RELATIVE_EPS_ERROR = 0.002


def _erfc(x):
    return np.frompyfunc(math.erfc, 1, 1)(np.asarray(x, dtype=np.float64)).astype(np.float64)


def _x_of_t(t, q, sigma):
    """The sample x at which the step's loss log(1 - q + q e^((2x - 1) / (2 sigma^2))) is t (for t > log(1 - q))."""
    t = np.asarray(t, dtype=np.float64)
    # log(e^t - (1 - q)) without overflow or cancellation: for t > 0, t + log1p(-(1 - q) e^-t); else log(expm1(t) + q).
    big = t > 0
    inner = np.where(big, t + np.log1p(-(1 - q) * np.exp(-np.abs(t))), np.log(np.expm1(np.minimum(t, 0)) + q))
    return sigma * sigma * (inner - math.log(q)) + 0.5


def _tails(t, q, sigma):
    """P(Y <= t) and P(Y > t) for the step's loss Y, each from its own erfc (x ~ q N(1, s^2) + (1 - q) N(0, s^2))."""
    x = _x_of_t(t, q, sigma)
    r = math.sqrt(2) * sigma
    lower = 0.5 * (q * _erfc(-(x - 1) / r) + (1 - q) * _erfc(-x / r))
    upper = 0.5 * (q * _erfc((x - 1) / r) + (1 - q) * _erfc(x / r))
    return lower, upper


def _tail_point(q, sigma, tau, upper):
    """A t where the step's upper (or lower) tail is just below tau, by bisection on x."""
    r = math.sqrt(2) * sigma

    def tail(x):
        if upper:
            return 0.5 * (q * math.erfc((x - 1) / r) + (1 - q) * math.erfc(x / r))
        return 0.5 * (q * math.erfc(-(x - 1) / r) + (1 - q) * math.erfc(-x / r))

    lo, hi = -60 * sigma, 1 + 60 * sigma
    for _ in range(200):
        mid = (lo + hi) / 2
        if (tail(mid) > tau) == upper:
            lo = mid
        else:
            hi = mid
    x = hi if upper else lo
    # t(x) = log(1 - q + q e^((2x - 1) / (2 sigma^2))), in logs.
    return float(np.logaddexp(math.log1p(-q), math.log(q) + (2 * x - 1) / (2 * sigma * sigma)))


def _truncated_mean(q, sigma, t_lo, t_hi):
    """E[Y | t_lo <= Y < t_hi], by composite Gauss-Legendre over the Gaussian sample x."""
    x_lo = max(float(_x_of_t(t_lo, q, sigma)) if t_lo > math.log1p(-q) else -math.inf, -40 * sigma)
    x_hi = min(float(_x_of_t(t_hi, q, sigma)), 1 + 40 * sigma)
    nodes, weights = np.polynomial.legendre.leggauss(40)
    edges = np.linspace(x_lo, x_hi, 8001)
    half = (edges[1:] - edges[:-1])[:, None] / 2
    mid = (edges[1:] + edges[:-1])[:, None] / 2
    x = (mid + half * nodes[None, :]).ravel()
    w = (half * weights[None, :]).ravel()
    density = q * np.exp(-(x - 1) ** 2 / (2 * sigma ** 2)) + (1 - q) * np.exp(-x ** 2 / (2 * sigma ** 2))
    loss = np.logaddexp(math.log(q) + (2 * x - 1) / (2 * sigma ** 2), math.log1p(-q))
    return float(np.sum(w * density * loss) / np.sum(w * density))


def discretise(q, sigma, steps, h, tau):
    """The step's mass function on cells of width h centred on j h (j from j_lo), and the mean-correcting shift."""
    t_lo = _tail_point(q, sigma, tau, upper=False)
    t_hi = _tail_point(q, sigma, tau, upper=True)
    j_lo = math.floor(t_lo / h + 0.5)
    j_hi = math.ceil(t_hi / h - 0.5)
    edges = (np.arange(j_lo, j_hi + 2) - 0.5) * h
    if q < 1:
        edges[0] = max(edges[0], math.log1p(-q))
    with np.errstate(divide="ignore"):
        lower, upper = _tails(edges, q, sigma)
    # Left of the median the lower tails are the small (accurate) numbers, right of it the upper tails.
    pmf = np.where(lower[:-1] >= 0.5, upper[:-1] - upper[1:], lower[1:] - lower[:-1])
    pmf = np.maximum(pmf, 0.0)
    pmf /= pmf.sum()
    t = np.arange(j_lo, j_hi + 1) * h
    shift = _truncated_mean(q, sigma, edges[0], edges[-1]) - float(np.dot(pmf, t))
    return j_lo, pmf, shift


def _tilt(log_p, t, lam):
    """log M(lambda) and the tilted mass function's mean and variance."""
    a = log_p + lam * t
    top = a.max()
    w = np.exp(a - top)
    total = w.sum()
    mean = float(np.dot(w, t) / total)
    var = float(np.dot(w, (t - mean) ** 2) / total)
    return top + math.log(total), mean, var


def _solve_tilt(log_p, t, steps, target):
    """lambda with steps * tilted mean = target (the tilted mean increases with lambda)."""
    lo, hi = -1.0, 1.0
    while steps * _tilt(log_p, t, hi)[1] < target and hi < 1e6:
        hi *= 2
    while steps * _tilt(log_p, t, lo)[1] > target and lo > -1e6:
        lo *= 2
    for _ in range(100):
        mid = (lo + hi) / 2
        if steps * _tilt(log_p, t, mid)[1] < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def saddle_center(j_lo, pmf, shift, h, steps, delta):
    """Where delta is expected: T times the tilted mean at the lambda >= 0 whose Chernoff exponent
    T (lambda mean(lambda) - log M(lambda)) equals -log delta (large deviations; exact up to a few deviations)."""
    t = np.arange(j_lo, j_lo + pmf.size) * h
    with np.errstate(divide="ignore"):
        log_p = np.log(pmf)

    def exponent(lam):
        log_m, mean, _ = _tilt(log_p, t, lam)
        return steps * (lam * mean - log_m)

    lo, hi = 0.0, 1.0
    while exponent(hi) < -math.log(delta) and hi < 1e6:
        lo, hi = hi, hi * 2
    for _ in range(100):
        mid = (lo + hi) / 2
        if exponent(mid) < -math.log(delta):
            lo = mid
        else:
            hi = mid
    return steps * (_tilt(log_p, t, (lo + hi) / 2)[1] + shift)


def compose_tilted(j_lo, pmf, shift, h, steps, center, max_size=MAX_SIZE):
    """The T-fold sum near `center`: its values s, log mass, log untilting factor, log tilted noise per cell."""
    t = np.arange(j_lo, j_lo + pmf.size) * h
    with np.errstate(divide="ignore"):
        log_p = np.log(pmf)
    lam = _solve_tilt(log_p, t, steps, center - steps * shift)
    log_m, mean, var = _tilt(log_p, t, lam)
    spread = math.sqrt(steps * var) / h
    size = 1 << max(4, math.ceil(math.log2(2 * K_SIGMAS * spread + 2)))
    if size > max_size:
        raise OverflowError(f"tilted grid needs {size} points")
    tilted = np.exp(log_p + lam * t - log_m)
    folded = np.bincount(np.arange(j_lo, j_lo + pmf.size) % size, weights=tilted, minlength=size)
    spectrum = np.fft.rfft(folded)
    del folded
    spectrum **= steps
    composed = np.fft.irfft(spectrum, size)
    del spectrum
    # Keep the index range [c - size/2, c + size/2) about the tilted sum's mean c.
    c = round(steps * mean / h)
    index = np.arange(c - size // 2, c + size // 2)
    b = composed[index % size]
    del composed
    noise = max(float(-b.min()), 1e-300)
    edge = float(max(abs(b[0]), abs(b[-1]), 1e-300))
    sums = index * h
    del index
    log_scale = steps * log_m - lam * sums
    with np.errstate(divide="ignore"):
        log_mass = log_scale + np.log(np.maximum(b, 0.0))
    return sums + steps * shift, log_mass, log_scale, math.log(noise + edge)


def _delta_at(s, log_mass, eps, log_extra=0.0):
    i = np.searchsorted(s, eps, side="right")
    return float(np.sum(np.exp(log_mass[i:] + log_extra) * -np.expm1(eps - s[i:])))


class OutsideWindow(Exception):
    """Epsilon lies beyond the window about the tilt's centre: `toward` is the window's end nearest to it."""

    def __init__(self, toward):
        super().__init__(f"epsilon beyond the tilted window, past {toward}")
        self.toward = toward


def _epsilon_at(s, log_mass, target):
    lo, hi = float(s[0]), float(s[-1])
    if _delta_at(s, log_mass, lo) <= target:
        raise OutsideWindow(lo)
    if _delta_at(s, log_mass, hi) > target:
        raise OutsideWindow(hi)
    for _ in range(200):
        mid = (lo + hi) / 2
        if _delta_at(s, log_mass, mid) > target:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-13 * max(1.0, abs(hi)):
            break
    return hi


def prv_bounds(sigma, q, steps, delta, estimate, eps_error=None):
    """(eps_lower, eps_upper, details) bracketing the true epsilon; `estimate` (RDP's epsilon) sizes eps_error."""
    if eps_error is None:
        eps_error = max(0.01, RELATIVE_EPS_ERROR * abs(estimate))
    delta_h = delta / 2000
    truncation = delta / 8000
    h = eps_error / math.sqrt(steps * math.log(1 / delta_h) / 2)
    j_lo, pmf, shift = discretise(q, sigma, steps, h, truncation / (2 * steps))
    center = saddle_center(j_lo, pmf, shift, h, steps, delta)
    for attempt in range(30):
        s, log_mass, log_scale, log_noise = compose_tilted(j_lo, pmf, shift, h, steps, center)
        spent = delta_h + truncation
        try:
            mid = _epsilon_at(s, log_mass, delta)
        except OutsideWindow as outside:
            # The estimate was far off (RDP's epsilon can be 30% above): re-centre the tilt on the window's end.
            center = outside.toward
            continue
        # Rounding and wrap-around, per cell of the tilted sum, untilted like the mass and summed as delta is.
        noise = _delta_at(s, log_scale, mid, log_noise)
        upper = _epsilon_at(s, log_mass, delta - spent - noise)
        lower = _epsilon_at(s, log_mass, delta + spent + noise)
        width = s[-1] - s[0]
        if abs(mid - center) <= width / (4 * K_SIGMAS) * 2:
            return lower - eps_error, upper + eps_error, {
                "eps_error": eps_error, "mid": mid, "mesh": h, "points": int(s.size), "noise": noise,
                "tilt_center": center}
        center = mid
    raise RuntimeError("tilt did not settle")
