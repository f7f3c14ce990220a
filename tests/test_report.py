"""The HTML report: self-contained, complete (sources, quotes, plots, assumptions), deterministic."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from detente.report import ReportInput, assumptions, quotes_by_source, render, write_report
from detente.scenario import LoadedScenario, load_scenario_file
from detente.scenario.model import Value
from detente.store import RunStore
from tests.test_store_fixtures import (
    fake_compare_result,
    fake_rows_compare_result,
    fake_sensitivity_result,
    fake_simulate_result,
    fake_sweep_result,
    write_tiny_scenario,
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> LoadedScenario:
    return write_tiny_scenario(tmp_path_factory.mktemp("scn"))


@pytest.fixture(scope="module")
def sim_html(tiny: LoadedScenario) -> str:
    result = fake_simulate_result(tiny, runs=300, seed=5)
    return render(
        ReportInput(tiny.scenario, "simulate", result, params={"runs": 300}, seed=5, run_id="r1")
    )


def _figure_ids(text: str) -> list[str]:
    return re.findall(r'id="(fig-\d+-[a-z0-9-]+)"', text)


def test_the_report_needs_no_network(sim_html: str) -> None:
    # No external scripts, styles, fonts, images or frames; plotly.js is inlined once.
    assert not re.search(r"<(script|img|iframe|link)[^>]+(src|href)=", sim_html)
    head, body = sim_html.split("</head>")
    # plotly.js (inlined in the head) names URLs it never fetches for SVG traces; the body names none.
    assert not re.search(r"https?://", body)
    assert "mathjax" not in body.lower()
    assert sim_html.count("<script type='text/javascript'>") == 1
    assert "Plotly.newPlot" in sim_html


def test_the_report_has_every_section_and_figure(sim_html: str, tiny: LoadedScenario) -> None:
    for heading in (
        "Scenario",
        "Sources and quotes",
        "Relation network",
        "Tracked outcomes",
        "Tension",
        "Issue positions",
        "Appendix A: every assumption and its provenance",
    ):
        assert f"<h2>{heading}</h2>" in sim_html
    # The answer comes first: the outcome chart sits above the scenario's details.
    assert [i.split("-", 2)[2] for i in _figure_ids(sim_html)] == [
        "outcomes",
        "network",
        "tension",
        "positions",
    ]
    for outcome in tiny.scenario.outcomes:
        assert outcome.name in sim_html


def test_every_quote_and_every_value_appears_with_its_provenance(
    sim_html: str, tiny: LoadedScenario
) -> None:
    import html

    found = assumptions(tiny.scenario)
    values = [a for a in found if a.value is not None]
    walked = [v for v in _all_values(tiny.scenario)]
    assert len(values) == len(walked)
    for a in found:
        assert html.escape(a.path) in sim_html
        if a.quote:
            assert html.escape(a.quote) in sim_html
    quotes = quotes_by_source(tiny.scenario)
    assert set(quotes) == {"art"}
    assert [q for q, _ in quotes["art"]][0] == "quarrelled over the border for a decade"
    assert "actors[RED].doctrine" in dict(quotes["art"])["quarrelled over the border for a decade"]


def _all_values(obj: object) -> list[Value]:
    from pydantic import BaseModel

    out: list[Value] = []
    if isinstance(obj, Value):
        return [obj]
    if isinstance(obj, BaseModel):
        for _, v in obj:
            out += _all_values(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            out += _all_values(v)
    elif isinstance(obj, dict):
        for v in obj.values():
            out += _all_values(v)
    return out


class _Tables(HTMLParser):
    """Every table of a page as rows of cell texts, with the ``<code>`` text of each row's first cell."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.codes: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
            self.codes.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "code":
            self._in_code = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "code":
            self._in_code = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
            row = self.tables[-1][-1]
            if self._in_code and not row:  # the outcome id in the first cell of a row
                self.codes[-1].append(data)


def test_the_outcome_table_cells_hold_the_stored_runs_probabilities(tiny: LoadedScenario, tmp_path: Path) -> None:
    """Read each outcome's cells from the report's table and compare them with the stored result."""
    store = RunStore(tmp_path / "runs.duckdb")
    store.record("simulate", tiny, params={"runs": 300}, seed=5, result=fake_simulate_result(tiny, runs=300, seed=5))
    run = store.get("latest")
    parser = _Tables()
    parser.feed(write_report(run, tmp_path / "r.html").read_text(encoding="utf-8"))
    k = next(i for i, t in enumerate(parser.tables) if t and t[0] and t[0][0] == "outcome")
    header, *rows = parser.tables[k]
    horizons = [re.fullmatch(r"by month (\d+)", h).group(1) for h in header[1:]]  # type: ignore[union-attr]
    stored = run.result["outcomes"]
    assert sorted(parser.codes[k]) == sorted(stored) and sorted(horizons, key=int) == sorted(stored["war"], key=int)
    for outcome, row in zip(parser.codes[k], rows, strict=True):
        for h, cell in zip(horizons, row[1:], strict=True):
            m = re.fullmatch(r"([\d.]+) \[([\d.]+), ([\d.]+)\]", cell)
            assert m, cell
            want = stored[outcome][h]
            # Printed to 3 decimals: each number is the stored one rounded, never another outcome's.
            for got, key in zip(m.groups(), ("p", "lo", "hi"), strict=True):
                assert float(got) == pytest.approx(want[key], abs=5e-4 + 1e-12), (outcome, h, key)
    # The likeliest outcome at the last horizon comes first.
    last = horizons[-1]
    assert parser.codes[k][0] == max(stored, key=lambda o: stored[o][last]["p"])


def test_the_answer_comes_first_in_one_line(tiny: LoadedScenario) -> None:
    result = fake_simulate_result(tiny, runs=300, seed=5)
    text = render(ReportInput(tiny.scenario, "simulate", result))
    tracked = {k: v for k, v in result["outcomes"].items() if not k.startswith("engine:")}
    last = max(next(iter(tracked.values())), key=int)
    likeliest = max(tracked, key=lambda o: tracked[o][last]["p"])
    name = next(o.name for o in tiny.scenario.outcomes if o.id == likeliest)
    answer = text.index("id=\"answer\"")
    assert answer < text.index("<h2>Scenario</h2>") and answer < text.index("<h2>Tracked outcomes</h2>")
    nav = text[text.index("<nav>") : text.index("</nav>")]
    assert all(f'href="#{sid}"' in nav for sid in ("answer", "summary", "sources", "outcomes", "assumptions"))
    lead = text[answer : text.index("</p>", answer)]
    assert "300 simulated runs" in lead and f"likeliest tracked outcome by month {last} is {name}" in lead
    assert f"{tracked[likeliest][last]['p']:.3f}".rstrip("0").rstrip(".") in lead


def test_engine_states_are_reported_apart_from_the_scenarios_outcomes(tiny: LoadedScenario) -> None:
    result = fake_simulate_result(tiny, runs=300, seed=5)
    horizons = next(iter(result["outcomes"].values()))
    result["outcomes"]["engine:war"] = {h: {"p": 0.125, "lo": 0.1, "hi": 0.15} for h in horizons}
    text = render(ReportInput(tiny.scenario, "simulate", result))
    tracked_table = text[text.index("<h2>Tracked outcomes</h2>") : text.index("<h3>Engine states</h3>")]
    assert "engine:war" not in tracked_table
    engine_table = text[text.index("<h3>Engine states</h3>") :]
    assert "<code>engine:war</code>" in engine_table and "first use of force" in engine_table


def test_differences_are_in_percentage_points_as_the_cli_prints_them(tiny: LoadedScenario) -> None:
    result = fake_compare_result(tiny)
    text = render(ReportInput(tiny.scenario, "compare", result))
    d = result["differences"]["talks"]["war"]["12"]
    assert "difference (points)" in text
    assert f"{100 * d['diff']:+.1f}" in text and f"[{100 * d['lo']:+.1f}, {100 * d['hi']:+.1f}]" in text


def test_the_same_run_gives_the_same_bytes(tiny: LoadedScenario) -> None:
    result = fake_simulate_result(tiny, seed=1)
    a = render(ReportInput(tiny.scenario, "simulate", result))
    b = render(ReportInput(tiny.scenario, "simulate", result))
    assert a == b


def test_a_comparison_shows_arms_side_by_side_and_flags_differences(tiny: LoadedScenario) -> None:
    result = fake_compare_result(tiny)
    text = render(ReportInput(tiny.scenario, "compare", result))
    assert "<h2>Arms side by side</h2>" in text
    assert any(i.endswith("arms-12") for i in _figure_ids(text))
    assert "Differences from the baseline" in text
    flagged = sum(
        1
        for by_h in result["differences"]["talks"].values()
        for d in by_h.values()
        if d["lo"] > 0 or d["hi"] < 0
    )
    assert text.count("<td>yes</td>") == flagged


def test_a_sensitivity_run_shows_the_ranking_in_order(tiny: LoadedScenario) -> None:
    result = fake_sensitivity_result(tiny)
    text = render(ReportInput(tiny.scenario, "sensitivity", result))
    assert "<h2>Sensitivity ranking</h2>" in text
    names = [r["param"] for r in result["ranking"]]
    positions = [text.index(f"<td><code>{n.replace('[', '[')}</code></td>") for n in names]
    assert positions == sorted(positions)


def test_a_stored_run_reports_from_the_store(tiny: LoadedScenario, tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    run_id = store.record(
        "simulate", tiny, params={"runs": 200}, seed=4, result=fake_simulate_result(tiny, seed=4)
    )
    out = write_report(store.get("latest"), tmp_path / "r.html")
    text = out.read_text(encoding="utf-8")
    assert run_id in text and tiny.sha256[:16] in text
    assert not (tmp_path / "r.html.part").exists()


def test_an_unknown_result_shape_still_gives_a_report_with_every_number(
    tiny: LoadedScenario,
) -> None:
    result = {"issues": {"border": {"forecast": 41.5, "model": "compromise"}}, "mae": 12.25}
    text = render(ReportInput(tiny.scenario, "forecast", result))
    assert "Appendix B: every number of the result" in text
    assert "issues/border/forecast" in text and "41.5" in text and "12.25" in text


def test_the_korea_2018_report_renders_with_the_shipped_scenario(tmp_path: Path) -> None:
    loaded = load_scenario_file("korea-2018")
    result = fake_simulate_result(loaded, runs=100, seed=0)
    text = render(ReportInput(loaded.scenario, "simulate", result))
    assert loaded.scenario.scenario.title in text
    for src in loaded.scenario.sources:
        assert src.id in text


def test_an_experiments_comparison_shows_strategy_arms_and_component_effects(
    tiny: LoadedScenario,
) -> None:
    result = fake_rows_compare_result(tiny)
    text = render(ReportInput(tiny.scenario, "compare", result))
    assert "<h2>Arms side by side</h2>" in text
    assert "talks:venue (alone)" in text  # component arms appear among the differences
    flagged = sum(
        1
        for r in result["rows"]
        if r["effect"] is not None and (r["effect"] - 0.02 > 0 or r["effect"] + 0.02 < 0)
    )
    assert text.count("<td>yes</td>") == flagged


def test_a_sweep_shows_its_points_and_trends(tiny: LoadedScenario) -> None:
    result = fake_sweep_result(tiny)
    text = render(ReportInput(tiny.scenario, "sweep", result))
    assert "<h2>Sweep</h2>" in text and "grid design over 6 points" in text
    assert any(i.endswith("-sweep") for i in _figure_ids(text))
    assert (
        "<b>0.1 <span class='ci'>[0.05, 0.15]</span></b>" in text
    )  # a trend whose interval excludes 0


def test_a_morris_screen_is_ranked_by_mu_star(tiny: LoadedScenario) -> None:
    result = {
        "kind": "sensitivity",
        "method": "morris",
        "output": "P(war by step 12)",
        "ranking": ["b", "a"],
        "indices": [
            {"name": "b", "mu_star": 0.3, "mu_star_conf": 0.1, "mu": 0.3, "sigma": 0.05},
            {"name": "a", "mu_star": 0.1, "mu_star_conf": 0.05, "mu": -0.1, "sigma": 0.02},
        ],
    }
    text = render(ReportInput(tiny.scenario, "sensitivity", result))
    assert "What matters for P(war by step 12)" in text
    assert text.index("<td><code>b</code></td>") < text.index("<td><code>a</code></td>")
