"""Calibrations: the as-of check, the JSON round trip, the draws and hazards the engine consumes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detente.anchor import CalibrationError, Reference, fit_calibration, load_calibration
from detente.anchor.backbone import Backbone, Dynamic
from detente.anchor.calibration import Calibration, ClassFit
from detente.anchor.refclass import nuclear_tests, reference_data
from detente.anchor.state import StateFit


def tiny_calibration(last: str = "2017-11-28") -> Calibration:
    """A hand-made calibration: one class with a constant and a state slope, one state."""
    bb = Backbone(
        names=("const", "z", "log_months_since"), beta=np.array([-3.0, 0.5, -0.2]), cov=np.diag([0.04, 0.01, 0.0025]),
        k=2.0, subjects=("PRK", "IRN"), observed=np.array([6.0, 0.0]), expected=np.array([3.0, 3.0]), n_events=6, n_rows=480,
    )
    fit = ClassFit(
        ref="missile-test:ICBM", subject="PRK", description="a North Korean ICBM test",
        sources={"cns-missile-tests": {"rows": 110, "first": "1984-04-09", "last": last}},
        window=("1998-02", "2018-01"), n_events=6, n_subject_months=480, base_rate=6 / 480, subject_rate=6 / 240,
        state="PRK-USA", backbone=bb, row=0, months_since=3, recent=[False] * 9 + [True, False, False],
    )
    st = StateFit(
        dyad="PRK-USA", z0=0.8, z0_method="test", rho=0.5, rho_se=0.05, sigma=0.8, df=500, mu=0.3, mu_sd=0.1,
        w=0.2, w_se=0.1, centre=0.0, scale=1.0, window=("2005-01", "2015-12"), n_months=132,
    )
    return Calibration(as_of=dt.date(2018, 2, 26), classes={"missile-test:ICBM|PRK": fit}, states={"PRK-USA": st},
                       sources={"cns-missile-tests": dict(fit.sources["cns-missile-tests"])})


def test_check_passes_on_a_calibration_of_earlier_rows() -> None:
    tiny_calibration().check("2018-02-26")


def test_check_fails_on_a_calibration_that_read_a_later_row() -> None:
    cal = tiny_calibration(last="2018-03-01")
    with pytest.raises(CalibrationError, match=r"sources\.cns-missile-tests: a row dated 2018-03-01 is on or after"):
        cal.check("2018-02-26")


def test_check_fails_on_a_row_dated_the_as_of_day_itself() -> None:
    with pytest.raises(CalibrationError, match="on or after"):
        tiny_calibration(last="2018-02-26").check("2018-02-26")


def test_check_reads_a_monthly_source_as_known_at_the_month_end() -> None:
    cal = tiny_calibration()
    cal.sources["monthly"] = {"rows": 3, "first": "2017-12", "last": "2018-02"}
    with pytest.raises(CalibrationError, match="2018-02"):
        cal.check("2018-02-26")


def test_check_fails_for_another_as_of_date() -> None:
    with pytest.raises(CalibrationError, match="is not the scenario's as-of date 2023-09-01"):
        tiny_calibration().check("2023-09-01")


def test_json_round_trip_keeps_every_number(tmp_path: Path) -> None:
    cal = tiny_calibration()
    path = tmp_path / "cal.json"
    cal.save(path)
    back = load_calibration(path)
    assert back.to_dict() == json.loads(path.read_text("utf-8"))
    assert back.classes["missile-test:ICBM|PRK"].backbone.beta.tolist() == [-3.0, 0.5, -0.2]
    assert back.states["PRK-USA"].z0 == 0.8
    back.check("2018-02-26")


@pytest.mark.parametrize("text", ["", "{", '{"format": "other"}', '{"format": "detente-anchor-calibration/1"}'])
def test_load_refuses_a_file_that_is_not_a_calibration(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, "utf-8")
    with pytest.raises(CalibrationError, match="fix: refit it with detente calibrate SCENARIO"):
        load_calibration(path)


def test_hazard_follows_the_coefficients_and_is_seeded() -> None:
    fit = tiny_calibration().classes["missile-test:ICBM|PRK"]
    d1 = fit.draw(np.random.default_rng(3), 4000)
    d2 = fit.draw(np.random.default_rng(3), 4000)
    assert np.array_equal(d1.beta, d2.beta) and np.array_equal(d1.log_m, d2.log_m)
    dyn = fit.start(4000)
    low = fit.hazard(d1, np.full(4000, -1.0), dyn)
    high = fit.hazard(d1, np.full(4000, 1.0), dyn)
    assert (high > low).all()  # beta_z > 0 in every draw (0.5 ± 0.1)
    # A lever is a log-odds shift: +log 2 roughly doubles a small hazard.
    doubled = fit.hazard(d1, np.full(4000, 1.0), dyn, lever=np.log(2.0))
    assert np.median(doubled / high) == pytest.approx(2.0, rel=0.1)
    # Posterior multiplier of PRK: Gamma(6 + 2, 3 + 2), mean 1.6.
    assert np.exp(d1.log_m).mean() == pytest.approx(1.6, rel=0.05)


def test_dynamic_counts_months_since_and_recent_events() -> None:
    fit = tiny_calibration().classes["missile-test:ICBM|PRK"]
    dyn: Dynamic = fit.start(3)
    assert dyn.months_since.tolist() == [3, 3, 3]
    dyn.update(np.array([True, False, False]))
    assert dyn.months_since.tolist() == [1, 4, 4]
    assert dyn.recent[:, -1].tolist() == [True, False, False]
    assert dyn.recent.sum(axis=1).tolist() == [2, 1, 1]


def test_state_step_has_the_fitted_stationary_moments() -> None:
    st = tiny_calibration().states["PRK-USA"]
    rng = np.random.default_rng(0)
    n = 20000
    sd = st.draw(rng, n)
    z = np.full(n, st.z0)
    for _ in range(60):
        z = st.step(z, sd, rng.standard_normal(n), rng)
    # Stationary mean mu = 0.3 and variance sigma^2 / (1 - rho^2) = 0.853 (parameter spread adds a little).
    assert z.mean() == pytest.approx(0.3, abs=0.03)
    assert z.var() == pytest.approx(0.8**2 / (1 - 0.25), rel=0.1)


def test_nuclear_test_table_is_dated_and_cites_a_source_per_row() -> None:
    t = nuclear_tests()
    assert t["date"].is_monotonic_increasing
    assert t["source"].str.startswith("https://").all()
    assert (t["country"] == "PRK").sum() == 6
    assert len(nuclear_tests(pd.Timestamp("2017-01-01")).query("country == 'PRK'")) == 5


def test_reference_data_drops_rows_from_the_as_of_date_on(data_root: Path) -> None:
    ref = Reference("missile-test:ICBM", "PRK", state="PRK-USA")
    before = reference_data(ref, "2017-07-28", data_root)
    after = reference_data(ref, "2017-07-29", data_root)
    # The Hwasong-14's second test (2017-07-28 UTC) is read only from the day after.
    assert before.data.occurrences["date"].max() < pd.Timestamp("2017-07-28")
    assert len(after.data.occurrences) == len(before.data.occurrences) + 1
    assert before.sources["cns-missile-tests"]["last"] < "2017-07-28"


def test_fit_calibration_on_real_data_passes_its_own_check(data_root: Path) -> None:
    refs = [Reference("missile-test", "PRK", state="PRK-USA"), Reference("nuclear-test", "PRK", state="PRK-USA")]
    cal = fit_calibration("2012-01-01", refs, ["PRK-USA"], data=data_root)
    cal.check("2012-01-01")
    fit = cal.classes["missile-test|PRK"]
    assert fit.window[1] == "2011-12" and fit.n_events >= 5  # event months 1992-02…2011-12
    assert 0 < fit.base_rate < 0.5
    st = cal.states["PRK-USA"]
    assert st.z0_method.startswith("ICEWS index of 2011-12")
    assert 0 < st.rho < 1 and st.sigma > 0
