"""``detente simulate --engine anchored|qre|auto`` and ``compare --engine``: output, JSON, refusals."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from detente.engines.anchored import backbone
from detente.scenario.io import load_scenario
from tests.anchored_fixture import calibration_for
from tests.cli_run import run

KOREA = load_scenario("korea-2018", check_quotes=False)


def test_simulate_anchored_prints_probabilities_with_both_intervals_and_base_rates(
    toy_calibration: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out_json = tmp_path / "out.json"
    code, out, err = run(["simulate", "korea-2018", "--engine", "anchored", "--calibration", str(toy_calibration),
                          "-n", "600", "-s", "3", "--quiet", "--no-store", "--json", str(out_json)], capsys)
    assert code == 0, err
    assert "anchored engine" in out and "predictive" in out and "MC error" in out and "base %" in out
    assert "nuclear-test | PRK" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    d = json.loads(out_json.read_text())
    assert d["engine"] == "anchored"
    cell = d["outcomes"]["prk-nuclear-test"]["24"]
    assert cell["pred_lo"] <= cell["p_cond"] <= cell["pred_hi"] and cell["lo"] <= cell["p"] <= cell["hi"]
    (ref,) = d["references"]["prk-nuclear-test"]
    assert ref["class"] == "nuclear-test" and ref["window"] == ["2005-01", "2015-12"] and ref["n_events"] == 12


def test_auto_falls_back_to_qre_without_a_calibration(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(["simulate", "korea-2018", "--calibration", str(tmp_path / "none.json"), "-n", "50",
                          "--no-store"], capsys)
    assert code == 0 and err.strip() == ""
    assert "qre engine: no fitted calibration for korea-2018" in " ".join(out.split())
    assert "Expected tension" in out


def test_anchored_refuses_a_calibration_that_read_a_later_row(
    toy_calibration: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    late = dataclasses.replace(calibration_for(KOREA), last_row=dt.date(2018, 2, 26), path=str(toy_calibration))
    monkeypatch.setattr(backbone, "load", lambda p: late)
    code, out, err = run(["simulate", "korea-2018", "--engine", "anchored", "--calibration", str(toy_calibration),
                          "-n", "50", "--no-store"], capsys)
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"Error: {toy_calibration}: as_of: ")
    assert "2018-02-26" in lines[0] and "detente calibrate" in lines[0]


def test_anchored_refuses_an_outcome_without_reference(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = Path(str(backbone.shipped_calibration_path("korea-2018"))).parent.parent / "scenarios" / "korea-2018.toml"
    text = "\n".join(ln for ln in src.read_text().split("\n") if not ln.startswith('reference = { class = "nuclear-test"'))
    f = tmp_path / "k.toml"
    f.write_text(text, "utf-8")
    code, out, err = run(["simulate", str(f), "--engine", "anchored", "-n", "50", "--no-store"], capsys)
    assert code == 2
    assert err.strip().startswith(f"Error: {f}: events[nuclear-test].reference: named event 'nuclear-test'")
    assert "detente calibrate" in err and "--engine qre" in err


def test_compare_runs_on_the_anchored_engine(toy_calibration: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_json = tmp_path / "cmp.json"
    code, out, err = run(["compare", "korea-2018", "--strategy", "us-maximum-pressure", "--engine", "anchored",
                          "--calibration", str(toy_calibration), "-n", "512", "--components", "none", "--quiet",
                          "--no-store", "--json", str(out_json)], capsys)
    assert code == 0, err
    d = json.loads(out_json.read_text())
    assert d["engine"] == "anchored"
    row = next(r for r in d["rows"] if r["outcome"] == "prk-nuclear-test" and r["horizon"] == 24 and r["arm"] == "us-maximum-pressure")
    assert row["effect"] > 0  # pressure provokes tests (through the strategy's levers)


def test_report_of_an_anchored_run_shows_references_and_both_intervals(tmp_path: Path) -> None:
    from detente.engines.anchored import simulate
    from detente.report.html import ReportInput, _num, write_report

    d = simulate(KOREA, calibration=calibration_for(KOREA), runs=512, seed=1).to_dict()
    out = write_report(ReportInput(KOREA, "simulate", d, seed=1), tmp_path / "r.html")
    html = out.read_text("utf-8")
    assert "<h2>Reference classes</h2>" in html and "predictive" in html
    assert "<code>nuclear-test</code> | <code>PRK</code>" in html
    cell = d["outcomes"]["prk-nuclear-test"]["24"]
    assert f"{cell['pred_lo']:.3f}–{cell['pred_hi']:.3f}" in html
    # The answer first gives the likeliest outcome's predictive interval and base rate, not only the
    # Monte Carlo bracket, and the chart's whiskers are the predictive intervals.
    answer = html[html.index("simulated runs of korea-2018") : html.index("</ul>", html.index("simulated runs of korea-2018"))]
    assert "on the anchored engine" in answer
    top = max(d["outcomes"], key=lambda o: d["outcomes"][o]["24"]["p"])
    c = d["outcomes"][top]["24"]
    base = d["base_rates"][top]["24"]
    assert f"{_num(c['p'])} (predictive {_num(c['pred_lo'])}–{_num(c['pred_hi'])}), base rate {_num(base)}" in answer
    assert "predictive: 95% of the runs" in answer
    assert "whiskers: 95% predictive interval" in html


def test_show_lists_each_outcomes_reference_class(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(["show", "eurasia-2023"], capsys)
    assert code == 0, err
    assert "Reference classes" in out and "conflict-termination:war:gp" in out
