"""Funnel plots (Spiegelhalter, 2005): comparing IROs, chairs and teams of different sizes
fairly, each against limits that widen as their number of events falls.

**Proportions, as FunnelPlotR 0.6.0 computes them** (``data_type = "PR"``, the default here):

- the target is the pooled proportion, theta = asin(sqrt(sum r / sum n)) on the arcsine
  scale; each unit's Y = asin(sqrt(r / n)) with s = 1 / (2 sqrt(n)), and z = (Y - theta) / s;
- over-dispersion: the z's are winsorised at 10% each end (R's type-7 quantiles), and
  phi = the mean of the squared winsorised z's;
- an additive random effect, DerSimonian-Laird style: tau^2 = 0 when k phi < k - 1 (k
  units), else max(0, (k phi - (k - 1)) / (sum w - sum w^2 / sum w)) with w = 1 / s^2;
- limits sin^2(theta +/- z_q sqrt(s^2 + tau^2)) at 95% (z 1.959964) and 99.8% (z 3.090232),
  with the monotonicity fix: where theta - z_q sqrt(...) falls below 0 the lower limit is 0,
  and where theta + z_q sqrt(...) passes pi/2 the upper limit is 1;
- the adjusted limits (with tau^2) are used when phi > 1, the plain ones otherwise; a unit
  exactly on a limit is not an outlier, and its z is adjusted the same way.

**Exact binomial limits** (``limits="exact"``), for small units, which FunnelPlotR lacks:
Spiegelhalter's interpolated binomial quantiles: for a unit of size n, the quantile r_q of
Binomial(n, p-bar) is interpolated, alpha = (F(r_q) - q) / (F(r_q) - F(r_q - 1)), and the
limit is (r_q - alpha) / n. No over-dispersion adjustment.

A unit with a zero denominator is listed, not plotted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scipy.stats import binom

Z = {"95": 1.959964, "99.8": 3.090232}
QUANTILES = {"95": (0.025, 0.975), "99.8": (0.001, 0.999)}
TRIM = 0.1


@dataclass(frozen=True)
class Unit:
    unit: str
    label: str
    numerator: int
    denominator: int
    rate: float | None = None
    z: float | None = None
    limits: dict[str, tuple[float, float]] | None = None
    outlier_95: str | None = None
    outlier_99_8: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "label": self.label,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "rate": self.rate,
            "z": self.z,
            "limits": {k: list(v) for k, v in self.limits.items()} if self.limits else None,
            "outlier_95": self.outlier_95,
            "outlier_99_8": self.outlier_99_8,
        }


@dataclass(frozen=True)
class Funnel:
    target: float | None
    phi: float | None
    tau2: float | None
    adjusted: bool
    method: str
    units: tuple[Unit, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "phi": self.phi,
            "tau2": self.tau2,
            "adjusted": self.adjusted,
            "limits_method": self.method,
            "units": [u.as_dict() for u in self.units],
        }


def quantile7(values: Sequence[float], q: float) -> float:
    """R's default (type 7) sample quantile."""
    xs = sorted(values)
    h = (len(xs) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def winsorise(values: Sequence[float], trim: float = TRIM) -> list[float]:
    lo, hi = quantile7(values, trim), quantile7(values, 1 - trim)
    return [min(max(v, lo), hi) for v in values]


def dispersion(z: Sequence[float], s: Sequence[float]) -> tuple[float, float]:
    """(phi, tau^2) from the unadjusted z-scores and standard errors, as FunnelPlotR."""
    k = len(z)
    phi = sum(v * v for v in winsorise(z)) / k
    if k * phi < k - 1:
        return phi, 0.0
    w = [1 / (x * x) for x in s]
    tau2 = max(0.0, (k * phi - (k - 1)) / (sum(w) - sum(v * v for v in w) / sum(w)))
    return phi, tau2


def _arcsine_limits(theta: float, s: float, tau2: float) -> dict[str, tuple[float, float]]:
    out = {}
    for level, z in Z.items():
        spread = z * math.sqrt(s * s + tau2)
        lo = 0.0 if theta - spread <= 0 else math.sin(theta - spread) ** 2
        hi = 1.0 if theta + spread >= math.pi / 2 else math.sin(theta + spread) ** 2
        out[level] = (lo, hi)
    return out


def _exact_limits(p: float, n: int) -> dict[str, tuple[float, float]]:
    """Spiegelhalter's interpolated binomial limits for a unit of size ``n``."""
    out = {}
    for level, qs in QUANTILES.items():
        bounds = []
        for q in qs:
            r = float(binom.ppf(q, n, p))
            f_r, f_below = float(binom.cdf(r, n, p)), float(binom.cdf(r - 1, n, p))
            alpha = (f_r - q) / (f_r - f_below) if f_r > f_below else 0.0
            bounds.append(min(1.0, max(0.0, (r - alpha) / n)))
        out[level] = (bounds[0], bounds[1])
    return out


def _side(rate: float, lo: float, hi: float) -> str | None:
    return "high" if rate > hi else "low" if rate < lo else None


def funnel(units: Sequence[tuple[str, str, int, int]], method: str = "arcsine") -> Funnel:
    """The funnel of ``units`` (id, label, numerator, denominator)."""
    if method not in ("arcsine", "exact"):
        raise ValueError("limits are 'arcsine' (FunnelPlotR) or 'exact' (binomial)")
    plotted = [u for u in units if u[3] > 0]
    listed = [Unit(u[0], u[1], u[2], u[3]) for u in units if u[3] <= 0]
    total_d = sum(u[3] for u in plotted)
    if not total_d:
        return Funnel(None, None, None, False, method, tuple(listed))
    p = sum(u[2] for u in plotted) / total_d
    theta = math.asin(math.sqrt(p))
    s = [1 / (2 * math.sqrt(u[3])) for u in plotted]
    y = [math.asin(math.sqrt(u[2] / u[3])) for u in plotted]
    z = [(yy - theta) / ss for yy, ss in zip(y, s, strict=True)]
    phi, tau2 = dispersion(z, s) if len(plotted) > 1 else (None, 0.0)
    adjusted = method == "arcsine" and phi is not None and phi > 1
    used_tau2 = tau2 if adjusted else 0.0
    out = []
    for (uid, label, num, den), ss, yy in zip(plotted, s, y, strict=True):
        rate = num / den
        lims = (
            _arcsine_limits(theta, ss, used_tau2) if method == "arcsine" else _exact_limits(p, den)
        )
        zz = (yy - theta) / math.sqrt(ss * ss + used_tau2)
        out.append(
            Unit(
                uid,
                label,
                num,
                den,
                rate,
                zz,
                lims,
                _side(rate, *lims["95"]),
                _side(rate, *lims["99.8"]),
            )  # fmt: skip
        )
    return Funnel(p, phi, tau2, adjusted, method, tuple(out + listed))


def limits_at(
    target: float, tau2: float, n: int, method: str = "arcsine"
) -> dict[str, tuple[float, float]]:
    """The funnel's limits for a unit of size ``n`` (to draw the funnel's curves)."""
    if method == "exact":
        return _exact_limits(target, n)
    return _arcsine_limits(math.asin(math.sqrt(target)), 1 / (2 * math.sqrt(n)), tau2)
