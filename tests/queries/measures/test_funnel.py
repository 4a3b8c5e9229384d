"""Funnel plots, FunnelPlotR's proportion method and exact binomial limits, by hand."""

from __future__ import annotations

import math

import pytest

from queries.measures import funnel


def test_type_7_quantiles_and_winsorising() -> None:
    # z = -3, -1, 0, 1, 3: the 10% quantile is at h = 0.4: -3 + 0.4 x 2 = -2.2; the 90%
    # at h = 3.6: 1 + 0.6 x 2 = 2.2.
    z = [-3.0, -1.0, 0.0, 1.0, 3.0]
    assert funnel.quantile7(z, 0.1) == pytest.approx(-2.2)
    assert funnel.quantile7(z, 0.9) == pytest.approx(2.2)
    assert funnel.winsorise(z) == pytest.approx([-2.2, -1, 0, 1, 2.2])


def test_over_dispersion_phi_and_tau2() -> None:
    # Over-dispersed: winsorised z^2 = 4.84 + 1 + 0 + 1 + 4.84 = 11.68, phi = 11.68/5 =
    # 2.336; k phi = 11.68 >= k - 1 = 4, so tau^2 = (11.68 - 4) / (sum w - sum w^2 / sum w)
    # with every s = 0.1 (w = 100): (7.68) / (500 - 50000/500) = 7.68 / 400 = 0.0192.
    phi, tau2 = funnel.dispersion([-3, -1, 0, 1, 3], [0.1] * 5)
    assert phi == pytest.approx(2.336)
    assert tau2 == pytest.approx(0.0192)
    # Under-dispersed: z = -0.5, 0, 0.5: winsorised -0.4, 0, 0.4; phi = 0.32/3; k phi =
    # 0.32 < 2: no random effect.
    phi, tau2 = funnel.dispersion([-0.5, 0, 0.5], [0.1] * 3)
    assert phi == pytest.approx(0.32 / 3) and tau2 == 0


def test_equal_units_get_plain_arcsine_limits() -> None:
    # Three units of 50/100: target 0.5, theta = pi/4, s = 1/20; every z is 0 so phi = 0:
    # unadjusted. 95%: sin^2(pi/4 -/+ 1.959964/20) = 0.40277 .. 0.59723.
    f = funnel.funnel([("A", "A", 50, 100), ("B", "B", 50, 100), ("C", "C", 50, 100)])
    assert f.target == 0.5 and f.phi == 0 and f.tau2 == 0 and not f.adjusted
    lo, hi = f.units[0].limits["95"]  # type: ignore[index]
    assert lo == pytest.approx(math.sin(math.pi / 4 - 1.959964 / 20) ** 2)
    assert hi == pytest.approx(math.sin(math.pi / 4 + 1.959964 / 20) ** 2)
    assert (lo, hi) == pytest.approx((0.40263, 0.59737), abs=1e-5)
    assert all(u.outlier_95 is None and u.z == 0 for u in f.units)


def test_an_over_dispersed_set_uses_the_adjusted_limits() -> None:
    # Rates 30%, 35% .. 70% in units of 100: over-dispersed (phi > 1), so the limits widen
    # by tau^2: 6 of the 9 are beyond plain 95% limits, none beyond the adjusted ones.
    units = [(f"U{i}", f"U{i}", 30 + 5 * i, 100) for i in range(9)]
    f = funnel.funnel(units)
    assert f.target == pytest.approx(0.5)
    assert f.phi is not None and f.phi > 1 and f.adjusted and f.tau2 and f.tau2 > 0
    theta, s = math.pi / 4, 1 / 20
    lo, hi = f.units[0].limits["99.8"]  # type: ignore[index]
    spread = 3.090232 * math.sqrt(s * s + f.tau2)
    assert (lo, hi) == pytest.approx((math.sin(theta - spread) ** 2, math.sin(theta + spread) ** 2))
    plain = sum(1 for u in units if abs(math.asin(math.sqrt(u[2] / 100)) - theta) > 1.959964 * s)
    adjusted = sum(1 for u in f.units if u.outlier_95)
    assert (plain, adjusted) == (6, 0)


def test_rates_of_zero_and_one_and_a_pooled_rate_of_zero() -> None:
    # Ten units of 50/100, one of 0/100 and one of 100/100. The 10% winsorising (type 7,
    # h = 1.1 of 11) pulls both extremes in to z = 0, so phi = 0: plain limits, 0.40263 ..
    # 0.59737 at 95% for n = 100. 0% is below them (low), 100% above (high).
    units = [(f"U{i}", f"U{i}", 50, 100) for i in range(10)]
    f = funnel.funnel([*units, ("A", "A", 0, 100), ("B", "B", 100, 100)])
    assert f.phi == 0 and not f.adjusted
    a, b = f.units[-2:]
    assert a.rate == 0 and a.outlier_95 == "low" and a.outlier_99_8 == "low"
    assert b.rate == 1 and b.outlier_95 == "high" and b.outlier_99_8 == "high"
    # Three units as spread as 0/20, 10/20, 20/20: the random effect widens the limits to
    # 0 .. 1, and a point exactly on a limit is not an outlier.
    wide = funnel.funnel([("A", "A", 0, 20), ("B", "B", 20, 20), ("C", "C", 10, 20)])
    assert wide.units[0].limits["95"] == (0.0, 1.0)  # type: ignore[index]
    assert all(u.outlier_95 is None for u in wide.units)
    # Nobody on time at all: theta = 0, so every lower limit is 0 (the monotonicity fix)
    # and nobody is an outlier.
    none = funnel.funnel([("A", "A", 0, 5), ("B", "B", 0, 50)])
    assert none.target == 0
    assert all(u.limits["95"][0] == 0 and u.outlier_95 is None for u in none.units)  # type: ignore[index]


def test_a_unit_with_no_events_is_listed_not_plotted() -> None:
    f = funnel.funnel([("A", "A", 5, 10), ("Z", "Nobody", 0, 0)])
    z = f.units[-1]
    assert z.unit == "Z" and z.rate is None and z.limits is None and z.outlier_95 is None


def test_exact_binomial_limits_interpolate_as_spiegelhalter() -> None:
    # n = 10, p = 0.5. Lower 95%: r = 2 (F(1) = 11/1024, F(2) = 56/1024); alpha =
    # (56/1024 - 0.025) / (45/1024) = 0.675556; limit (2 - 0.675556)/10 = 0.132444.
    # Upper: r = 8 (F(7) = 968/1024, F(8) = 1013/1024); alpha = (1013/1024 - 0.975) /
    # (45/1024) = 0.324444; limit (8 - 0.324444)/10 = 0.767556.
    f = funnel.funnel([("A", "A", 5, 10), ("B", "B", 50, 100)], method="exact")
    assert f.target == pytest.approx(55 / 110)
    lo, hi = f.units[0].limits["95"]  # type: ignore[index]
    assert (lo, hi) == pytest.approx((0.132444, 0.767556), abs=1e-6)
    assert not f.adjusted  # exact limits take no over-dispersion adjustment
