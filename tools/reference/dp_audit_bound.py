#!/usr/bin/env python3
"""Reference epsilon lower bounds for the one-run privacy audit, written independently of the C# code.

Steinke, Nasr and Jagielski 2023, "Privacy auditing with one (1) training run", pure epsilon-DP case: with r guesses
of which v are correct, an epsilon-DP training run makes the count of correct guesses stochastically dominated by
Binomial(r, e^eps / (1 + e^eps)). The lower bound at confidence 1 - beta is the largest eps with
P[Binomial(r, e^eps / (1 + e^eps)) >= v] <= beta (0 when even eps = 0 allows v correct guesses).

Method (unlike the C#, which sums binomial terms in log space from an incremental log coefficient): exact integer
binomial coefficients and 60-digit decimal arithmetic, bisection on eps to 1e-12. Only the python3 standard library.

Writes tests/fixtures/dp_audit_bound.json. Usage: python3 tools/reference/dp_audit_bound.py [out.json]
"""
import json
import math
import sys
from decimal import Decimal, getcontext

getcontext().prec = 60


def upper_tail(r, v, p):
    """P[Binomial(r, p) >= v], exactly summed in decimal."""
    q = 1 - p
    return sum(Decimal(math.comb(r, i)) * p ** i * q ** (r - i) for i in range(v, r + 1))


def lower_bound(r, v, beta):
    beta = Decimal(beta)

    def tail(eps):
        e = Decimal(eps).exp()
        return upper_tail(r, v, e / (1 + e))

    if v == 0 or tail(0) > beta:
        return 0.0
    lo, hi = 0.0, 1.0
    while tail(hi) <= beta:
        lo, hi = hi, hi * 2
    while hi - lo > 1e-12:
        mid = (lo + hi) / 2
        if tail(mid) <= beta:
            lo = mid
        else:
            hi = mid
    return lo


CASES = [(r, v, beta)
         for (r, v) in [(1, 1), (10, 10), (10, 8), (10, 6), (20, 20), (50, 45), (100, 100), (100, 90), (100, 60),
                        (100, 50), (100, 40), (200, 150), (500, 400), (1000, 1000), (1000, 700), (1000, 520)]
         for beta in (0.05, 0.01)]

if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/dp_audit_bound.json"
    rows = [{"guesses": r, "correct": v, "beta": b, "epsilon": lower_bound(r, v, b)} for (r, v, b) in CASES]
    with open(out, "w") as f:
        json.dump({"source": "tools/reference/dp_audit_bound.py", "cases": rows}, f, indent=1)
        f.write("\n")
