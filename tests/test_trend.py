"""E08's rising test rate: one fit for both engines, fitted once into the calibration; compiling reads no data.

The fit (:func:`detente.calibrate.trend.fit_trend`) is a Poisson GLM of test days per whole month on time
with a Newey–West covariance. Tested here: it recovers a known slope from simulated Poisson counts (and
its 95 % interval covers it about 95 % of the time), it refuses rows on or after the as-of date, the
calibration's date check covers its rows, an old calibration without it is refused in one line, the
anchored engine's compile and simulate read nothing from the data directory, and both engines apply the
same trend for the same as-of date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detente.anchor import CalibrationError, load_calibration
from detente.anchor.scenario import shipped_calibration
from detente.calibrate.trend import (
    MIN_TEST_DAYS,
    TrendError,
    TrendFit,
    fit_trend,
    monthly_test_days,
    window_months,
)
from detente.errors import ScenarioError
from detente.scenario.io import load_scenario

EURASIA_AS_OF = dt.date(2023, 9, 1)


def _poisson_days(b: float, base: float, as_of: dt.date, seed: int, salvo: int = 1) -> list[dt.date]:
    """Test days drawn month by month: n_m ~ Poisson(base·exp(b·t_m)) distinct days (each ``salvo`` rows)."""
    rng = np.random.default_rng(seed)
    months = window_months(as_of)
    t = (np.arange(len(months)) - (len(months) - 1) / 2) / 12.0
    out: list[dt.date] = []
    for (y, m), lam in zip(months, base * np.exp(b * t), strict=True):
        n_days = calendar.monthrange(y, m)[1]
        k = min(int(rng.poisson(lam)), n_days)
        for d in rng.choice(n_days, size=k, replace=False):
            out.extend([dt.date(y, m, int(d) + 1)] * salvo)
    return out


def test_the_fit_recovers_a_known_slope_and_its_interval_covers_it() -> None:
    b = 0.25
    fit = fit_trend(_poisson_days(b, 1.5, EURASIA_AS_OF, seed=1), EURASIA_AS_OF)
    assert fit.mean is not None and fit.se is not None
    assert abs(fit.mean - b) < 1.96 * fit.se
    # Over 200 simulated histories: the estimate is unbiased and the 95 % interval covers b about 95 % of
    # the time (Newey–West is slightly liberal in samples of 120; 0.88 is 3.3 binomial se below 0.95).
    est, covered = [], 0
    for s in range(200):
        f = fit_trend(_poisson_days(b, 1.5, EURASIA_AS_OF, seed=100 + s), EURASIA_AS_OF)
        assert f.mean is not None and f.se is not None
        est.append(f.mean)
        covered += abs(f.mean - b) <= 1.96 * f.se
    assert abs(np.mean(est) - b) < 3 * np.std(est) / np.sqrt(len(est))
    assert 0.88 <= covered / 200 <= 0.99
    # A flat history has no trend: the interval covers 0.
    flat = fit_trend(_poisson_days(0.0, 1.5, EURASIA_AS_OF, seed=2), EURASIA_AS_OF)
    assert flat.mean is not None and flat.se is not None and abs(flat.mean) < 2.5 * flat.se


def test_the_fit_counts_test_days_not_missiles() -> None:
    days = _poisson_days(0.2, 1.0, EURASIA_AS_OF, seed=3)
    salvoes = _poisson_days(0.2, 1.0, EURASIA_AS_OF, seed=3, salvo=4)
    one, four = fit_trend(days, EURASIA_AS_OF), fit_trend(salvoes, EURASIA_AS_OF)
    assert (one.mean, one.se, one.n) == (four.mean, four.se, four.n) and one.n == len(days)
    assert four.sources["cns-missile-tests"]["rows"] == 4 * len(days)


def test_the_window_is_the_whole_months_before_the_as_of_date() -> None:
    as_of = dt.date(2018, 2, 26)
    months = window_months(as_of)
    assert len(months) == 120 and months[0] == (2008, 2) and months[-1] == (2018, 1)
    # A test on 10 February 2018 predates the as-of date but its month is not whole: read, not counted;
    # one on 1 February 2008 is the window's first day.
    counts = monthly_test_days([dt.date(2008, 2, 1), dt.date(2018, 1, 31), dt.date(2018, 2, 10), dt.date(2001, 5, 5)], as_of)
    assert counts[0] == 1 and counts[-1] == 1 and sum(counts) == 2


def test_the_window_ends_where_the_source_ends() -> None:
    from detente.calibrate.trend import MISSILE_TESTS_END
    from detente.history.tables import MISSILE_TESTS

    assert MISSILE_TESTS.endswith(f"_{MISSILE_TESTS_END.isoformat()}.csv")
    # A later as-of date does not count the months after the table's end as months without tests: the
    # fit is the one at the table's end, and says so.
    days = _poisson_days(0.2, 1.0, EURASIA_AS_OF, seed=6)
    at_end = fit_trend(days, EURASIA_AS_OF, covered_to=MISSILE_TESTS_END)
    later = fit_trend(days, "2025-03-15", covered_to=MISSILE_TESTS_END)
    assert later.window == at_end.window == ("2013-09", "2023-08") and not at_end.note
    assert (later.mean, later.se, later.n) == (at_end.mean, at_end.se, at_end.n)
    assert "the source ends 2023-08-31" in later.note
    # A source that ends mid-month covers the month before in full only.
    assert window_months(dt.date(2024, 1, 1), covered_to=dt.date(2023, 8, 30))[-1] == (2023, 7)
    # Without the end the unobserved months would read as quiet ones and pull the trend down.
    naive = fit_trend(days, "2025-03-15")
    assert naive.mean is not None and at_end.mean is not None and naive.mean < at_end.mean


@pytest.mark.parametrize("late", ["2023-09-01", "2023-09-02", dt.date(2024, 1, 1)])
def test_a_row_on_or_after_the_as_of_date_is_refused(late: Any) -> None:
    rows = [*_poisson_days(0.1, 1.0, EURASIA_AS_OF, seed=4), late]
    with pytest.raises(TrendError, match="on or after the as-of date 2023-09-01"):
        fit_trend(rows, EURASIA_AS_OF)


@pytest.mark.parametrize("undated", [None, "unknown", "", float("nan")])
def test_an_undated_row_is_refused(undated: Any) -> None:
    import pandas as pd

    rows = pd.Series(pd.to_datetime(["2020-01-05", "2021-03-04"]).tolist() + [pd.NaT if undated != undated else undated])
    with pytest.raises(TrendError, match="is not a date"):
        fit_trend(rows, EURASIA_AS_OF)


def test_too_few_tests_give_no_trend_and_say_so() -> None:
    fit = fit_trend([dt.date(2015, 1, 3)] * 3 + [dt.date(2016, 4, 4)], EURASIA_AS_OF)
    assert fit.mean is None and fit.se is None and fit.n == 2
    assert f"fewer than {MIN_TEST_DAYS}" in fit.note


def test_the_trend_goes_through_json_and_the_calibrations_date_check(tmp_path: Path) -> None:
    from tests.test_anchor_calibration import tiny_calibration

    cal = tiny_calibration()
    cal.test_trend = fit_trend(_poisson_days(0.2, 1.0, dt.date(2018, 2, 26), seed=5), "2018-02-26")
    cal.save(tmp_path / "c.json")
    back = load_calibration(tmp_path / "c.json")
    assert back.test_trend is not None and back.test_trend.to_dict() == cal.test_trend.to_dict()
    back.check("2018-02-26")
    # The trend's own rows are checked: a last row on the as-of day is refused, as for any source.
    late = TrendFit.from_dict({**cal.test_trend.to_dict(), "sources": {"cns-missile-tests": {"rows": 9, "first": "2010-01-01", "last": "2018-02-26"}}})
    cal.test_trend = late
    with pytest.raises(CalibrationError, match=r"test_trend\.sources\.cns-missile-tests: a row dated 2018-02-26 is on or after"):
        cal.check("2018-02-26")
    cal.test_trend = TrendFit.from_dict({**late.to_dict(), "as_of": "2018-03-01", "sources": {}})
    with pytest.raises(CalibrationError, match=r"test_trend\.as_of: 2018-03-01 is not the scenario's as-of date"):
        cal.check("2018-02-26")


def _old_eurasia_calibration(tmp_path: Path) -> Path:
    """The shipped eurasia-2023 calibration as written before the trend was part of it."""
    path = shipped_calibration("eurasia-2023")
    assert path is not None
    doc = json.loads(path.read_text("utf-8"))
    del doc["test_trend"]
    old = tmp_path / "anchor-eurasia-2023-old.json"
    old.write_text(json.dumps(doc), "utf-8")
    return old


def test_an_old_calibration_without_the_trend_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from detente.engines.anchored import simulate
    from tests.cli_run import run

    old = _old_eurasia_calibration(tmp_path)
    eur = load_scenario("eurasia-2023", check_quotes=False)
    with pytest.raises(ScenarioError, match=r"test_trend: no fitted test-rate trend for E08 .*detente calibrate eurasia-2023"):
        simulate(eur, calibration=old, runs=10)
    # Without the build-up nothing needs the trend: the old file still runs.
    simulate(eur, calibration=old, runs=10, mechanisms_off=("E08",))
    code, _, err = run(["simulate", "eurasia-2023", "-n", "10", "--calibration", str(old), "--quiet", "--no-store"], capsys)
    # One Error: line (a kernel notice, without Numba, may precede it), no traceback.
    errors = [line for line in err.splitlines() if line.startswith("Error: ")]
    assert code == 2 and len(errors) == 1 and "Traceback" not in err
    assert "detente calibrate eurasia-2023" in errors[0] and "--off E08" in errors[0]


def _no_data_reads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An empty data directory and home, and every way to a data table raising."""
    import pandas as pd

    import detente.datadir
    import detente.history._io

    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("DETENTE_DATA", str(empty))
    monkeypatch.setenv("HOME", str(empty))
    monkeypatch.setenv("XDG_DATA_HOME", str(empty))

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"data read on the simulate path: {args[:1]}")

    monkeypatch.setattr(detente.datadir, "data_dir", refuse)
    monkeypatch.setattr(detente.datadir, "require", refuse)
    monkeypatch.setattr(detente.history._io, "require", refuse)
    monkeypatch.setattr(pd, "read_csv", refuse)


def test_compile_and_simulate_read_no_data_and_give_the_same_numbers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from detente.engines.anchored import simulate
    from detente.engines.anchored.backbone import load
    from detente.engines.anchored.compile import compile_scenario

    eur = load_scenario("eurasia-2023", check_quotes=False)
    path = shipped_calibration("eurasia-2023")
    assert path is not None
    cal = load(path)
    with_data = simulate(eur, calibration=cal, runs=512, seed=3, workers=1, keep_paths=True)
    _no_data_reads(monkeypatch, tmp_path)
    comp = compile_scenario(eur, cal)
    (e08,) = [lv for lv in comp.levers if lv.id == "E08"]
    assert e08.trend == (cal.test_trend.mean, cal.test_trend.se) and e08.source.startswith("history: Poisson GLM")
    without = simulate(eur, calibration=cal, runs=512, seed=3, workers=1, keep_paths=True)
    for o in with_data.outcomes:
        np.testing.assert_array_equal(with_data.outcome_first_step(o), without.outcome_first_step(o))
        np.testing.assert_array_equal(with_data.conditional(o, with_data.horizon), without.conditional(o, without.horizon))


@pytest.mark.parametrize(("scenario", "as_of"), [("korea-2018", "2018-02-26"), ("eurasia-2023", "2023-09-01")])
def test_both_engines_get_the_same_trend_for_an_as_of_date(scenario: str, as_of: str) -> None:
    from detente.engines.escalation.params import calibration, test_trend_for

    path = shipped_calibration(scenario)
    assert path is not None
    anchored = load_calibration(path).test_trend
    assert anchored is not None and anchored.mean is not None and anchored.as_of.isoformat() == as_of
    qre = calibration()["values"]["prk_test_trend"]["value"][as_of]
    assert test_trend_for(as_of) == anchored.mean == qre["trend"]
    assert (qre["se"], qre["window"], qre["months"], qre["test_days"]) == (anchored.se, list(anchored.window), anchored.n_months, anchored.n)


def test_the_compiled_engines_apply_the_same_trend_to_eurasia() -> None:
    from detente.engines.anchored.backbone import load
    from detente.engines.anchored.compile import compile_scenario as compile_anchored
    from detente.engines.escalation.compile import compile_scenario as compile_qre

    eur = load_scenario("eurasia-2023", check_quotes=False)
    path = shipped_calibration("eurasia-2023")
    assert path is not None
    (e08,) = [lv for lv in compile_anchored(eur, load(path)).levers if lv.id == "E08"]
    assert e08.trend is not None
    assert compile_qre(eur).mech["military-buildup"]["test_trend"] == e08.trend[0]


@pytest.mark.parametrize("as_of", ["2018-02-26", "2023-09-01"])
def test_the_shipped_trends_are_the_current_fit_of_the_data(data_root: Path, as_of: str) -> None:
    from detente.calibrate.trend import prk_test_trend

    fitted = prk_test_trend(as_of, data_root).to_dict()
    scenario = {"2018-02-26": "korea-2018", "2023-09-01": "eurasia-2023"}[as_of]
    path = shipped_calibration(scenario)
    assert path is not None
    assert json.loads(path.read_text("utf-8"))["test_trend"] == fitted


def test_the_standard_error_is_newey_west_computed_by_hand() -> None:
    """An independent Newey–West sandwich (Bartlett weights, lag 4) around the Poisson MLE."""
    import statsmodels.api as sm

    days = _poisson_days(0.15, 1.2, EURASIA_AS_OF, seed=9)
    fit = fit_trend(days, EURASIA_AS_OF)
    y = np.array(monthly_test_days(days, EURASIA_AS_OF), float)
    t = (np.arange(120) - 59.5) / 12.0
    x = np.column_stack([np.ones(120), t])
    mle = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    mu = mle.mu
    score = x * (y - mu)[:, None]
    meat = score.T @ score
    for lag in range(1, 5):
        g = score[lag:].T @ score[:-lag]
        meat += (1 - lag / 5) * (g + g.T)
    bread = np.linalg.inv(x.T @ (mu[:, None] * x))
    se = float(np.sqrt((bread @ meat @ bread)[1, 1]))
    assert fit.mean == pytest.approx(float(mle.params[1]), abs=1e-9)
    assert fit.se == pytest.approx(se, rel=1e-6)
