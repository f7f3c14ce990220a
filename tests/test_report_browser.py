"""The report in a real browser: headless Chromium opens it from a file, driven by Selenium.

Selenium drives Debian's ``chromium`` through its ``chromium-driver`` (``apt-get install chromium
chromium-driver``; CI installs both). The test reads the browser's console log (errors and uncaught
exceptions) and its performance log (any request that is not a local file), counts the plots' SVG
elements, and saves a screenshot for a developer to look at (``DETENTE_SCREENSHOTS=DIR`` keeps them).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from detente.report import ReportInput, write_report
from detente.scenario import LoadedScenario
from tests.test_store_fixtures import (
    fake_compare_result,
    fake_sensitivity_result,
    fake_simulate_result,
    write_tiny_scenario,
)

pytestmark = pytest.mark.browser

CHROMIUM = next(
    (p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None
)
CHROMEDRIVER = shutil.which("chromedriver")
SCREENSHOTS = (
    Path(os.environ.get("DETENTE_SCREENSHOTS", ""))
    if os.environ.get("DETENTE_SCREENSHOTS")
    else None
)
LOCAL = ("file:", "data:", "about:", "blob:", "chrome:", "chrome-untrusted:", "devtools:")

FACTS = """return JSON.stringify({
    divs: document.querySelectorAll('.plotly-graph-div').length,
    drawn: Array.from(document.querySelectorAll('.plotly-graph-div')).filter(d => d.querySelector('svg.main-svg')).length,
    svgs: document.querySelectorAll('svg.main-svg').length,
    bars: document.querySelectorAll('g.barlayer path').length,
    fills: document.querySelectorAll('g.scatterlayer path.js-fill').length,
    lines: document.querySelectorAll('g.scatterlayer path.js-line').length,
    texts: Array.from(document.querySelectorAll('g.textpoint text')).map(t => t.textContent),
    titles: Array.from(document.querySelectorAll('h2')).map(h => h.textContent),
    plotly: typeof window.Plotly,
})"""


def _driver(tmp_path: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,2000", f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


def _problems(driver: Any) -> list[str]:
    """Console errors, uncaught exceptions and requests to anything but local files."""
    out = [
        f"console: {e['message']}" for e in driver.get_log("browser") if e.get("level") == "SEVERE"
    ]
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = str(message["params"].get("request", {}).get("url", ""))
            if not url.startswith(LOCAL):
                out.append("network request: " + url)
    return out


def render_in_browser(
    html_path: Path, tmp_path: Path, screenshot: Path, *, from_selector: str | None = None
) -> dict[str, Any]:
    """Open ``html_path`` from disk, let the plots draw, and report what the page holds.

    The screenshot is the 1280×2000 window at the top of the page, or scrolled to ``from_selector``.
    """
    driver = _driver(tmp_path)
    try:
        driver.get(html_path.resolve().as_uri())
        expected = driver.execute_script("return document.querySelectorAll('.plotly-graph-div').length")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            drawn = driver.execute_script(
                "return Array.from(document.querySelectorAll('.plotly-graph-div'))"
                ".filter(d => d.querySelector('svg.main-svg')).length"
            )
            if drawn == expected:
                break
            time.sleep(0.2)
        time.sleep(0.5)
        facts = json.loads(driver.execute_script(FACTS))
        if from_selector:
            driver.execute_script(
                "document.querySelector(arguments[0]).scrollIntoView()", from_selector
            )
        driver.save_screenshot(str(screenshot))
        facts["problems"] = _problems(driver)
        return facts
    finally:
        driver.quit()


needs_chromium = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs headless Chromium and its driver (apt-get install chromium chromium-driver)",
)


def _screenshot_path(tmp_path: Path, name: str) -> Path:
    folder = SCREENSHOTS or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


@pytest.fixture
def tiny(tmp_path: Path) -> LoadedScenario:
    return write_tiny_scenario(tmp_path / "scn")


@needs_chromium
def test_the_simulation_report_renders_every_plot_offline_without_console_errors(
    tiny: LoadedScenario, tmp_path: Path
) -> None:
    result = fake_simulate_result(tiny, runs=500, seed=3)
    out = write_report(
        ReportInput(
            tiny.scenario, "simulate", result, params={"runs": 500}, seed=3, run_id="r-test"
        ),
        tmp_path / "report.html",
    )
    shot = _screenshot_path(tmp_path, "report-simulate.png")
    seen = render_in_browser(out, tmp_path, shot)
    assert seen["problems"] == []
    assert seen["plotly"] == "object"
    assert seen["divs"] == 4  # network, outcomes, tension, positions
    assert seen["drawn"] == seen["divs"]
    assert seen["bars"] >= len(result["outcomes"]) * 2  # one bar per outcome and horizon
    assert seen["fills"] >= 2 * (
        len(result["tension"]) + len(result["positions"])
    )  # two bands per fan
    assert {"RED", "BLU", "GRN"} <= set(seen["texts"])  # the network's actor labels
    assert "Appendix A: every assumption and its provenance" in seen["titles"]
    assert shot.stat().st_size > 20_000


@needs_chromium
def test_comparison_and_sensitivity_reports_render_in_the_browser(
    tiny: LoadedScenario, tmp_path: Path
) -> None:
    for kind, result in (
        ("compare", fake_compare_result(tiny)),
        ("sensitivity", fake_sensitivity_result(tiny)),
    ):
        out = write_report(ReportInput(tiny.scenario, kind, result), tmp_path / f"{kind}.html")
        seen = render_in_browser(out, tmp_path, _screenshot_path(tmp_path, f"report-{kind}.png"))
        assert seen["problems"] == [], kind
        assert seen["drawn"] == seen["divs"] >= 2, kind
        assert seen["bars"] > 0, kind


@needs_chromium
def test_the_browser_check_catches_a_script_error(tmp_path: Path) -> None:
    """The check is live: a page that throws and logs an error is caught."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<html><body><script>console.error('boom'); undefinedFunction();</script></body></html>"
    )
    seen = render_in_browser(page, tmp_path, tmp_path / "bad.png")
    assert any("boom" in p for p in seen["problems"])
    assert any("undefinedFunction" in p for p in seen["problems"])


@needs_chromium
def test_the_browser_check_catches_a_network_request(tmp_path: Path) -> None:
    page = tmp_path / "net.html"
    page.write_text("<html><body><img src='https://cdn.example.org/x.png'></body></html>")
    seen = render_in_browser(page, tmp_path, tmp_path / "net.png")
    assert any("cdn.example.org" in p for p in seen["problems"])


@needs_chromium
def test_the_korea_2018_report_of_the_real_engine_renders(tmp_path: Path) -> None:
    escalation = pytest.importorskip("detente.engines.escalation")
    if not hasattr(escalation, "simulate"):
        pytest.skip("the escalation engine has no simulate() yet")
    from detente.scenario import load_scenario_file
    from detente.store import RunStore

    loaded = load_scenario_file("korea-2018")
    result = escalation.simulate(loaded.scenario, runs=300, seed=0).to_dict()
    store = RunStore(tmp_path / "runs.duckdb")
    store.record("simulate", loaded, params={"runs": 300}, seed=0, result=result)
    out = write_report(store.get("latest"), tmp_path / "korea-2018.html")
    seen = render_in_browser(
        out, tmp_path, _screenshot_path(tmp_path, "report-korea-2018.png"), from_selector="#network"
    )
    assert seen["problems"] == []
    assert seen["drawn"] == seen["divs"] >= 4
    assert {"USA", "PRK", "KOR", "CHN", "RUS"} <= set(seen["texts"])
