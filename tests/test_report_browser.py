"""The report in a real browser: headless Chromium opens it from a file with the network cut off.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``), so no extra Python
package is needed: the test reads every console message and uncaught exception, counts the plots' SVG
elements, and saves a screenshot for a developer to look at.
"""

from __future__ import annotations

import base64
import json
import os
import selectors
import shutil
import subprocess
import sys
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
    (
        p
        for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
        if p and Path(p).exists()
    ),
    None,
)
SCREENSHOTS = (
    Path(os.environ.get("DETENTE_SCREENSHOTS", ""))
    if os.environ.get("DETENTE_SCREENSHOTS")
    else None
)


_WIRE = """
import fcntl, os, sys
r, w = (fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3])
for fd in sys.argv[1:3]:
    os.close(int(fd))
os.dup2(r, 3)
os.dup2(w, 4)
os.close(r)
os.close(w)
os.execv(sys.argv[3], sys.argv[3:])
"""


class Browser:
    """A headless Chromium spoken to over the DevTools protocol on file descriptors 3 and 4."""

    def __init__(self, user_data_dir: Path) -> None:
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        assert CHROMIUM is not None
        # A tiny Python launcher puts the pipe ends on fds 3 and 4 (where --remote-debugging-pipe
        # looks) and execs Chromium; every other descriptor of this process stays closed in it.
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WIRE,
                str(to_child_r),
                str(from_child_w),
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-dev-shm-usage",
                # No network: every request that would leave the machine goes to a closed port.
                "--proxy-server=http://127.0.0.1:9",
                "--proxy-bypass-list=<-loopback>",
                f"--user-data-dir={user_data_dir}",
                "--window-size=1280,2000",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            pass_fds=(to_child_r, from_child_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._from_child, selectors.EVENT_READ)
        self.session: str | None = None

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_child)
        os.close(self._from_child)

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not self._sel.select(timeout=left):
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium closed the DevTools pipe (exit {self.proc.poll()})")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: bool = True,
        timeout: float = 30,
    ) -> dict[str, Any]:
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> dict[str, Any]:
        for e in self.events:
            if e.get("method") == method:
                return e
        deadline = time.monotonic() + timeout
        while True:
            e = self._read_message(deadline)
            self.events.append(e)
            if e.get("method") == method:
                return e

    def open_page(self) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True}, session=False
        )["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 2000, "deviceScaleFactor": 1, "mobile": False},
        )

    def evaluate(self, expression: str) -> Any:
        got = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return got["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions, error log entries and failed requests seen so far."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in {"error", "assert"}:
                out.append(
                    "console.error: "
                    + " ".join(str(a.get("value", a.get("description"))) for a in p.get("args", []))
                )
            elif m == "Runtime.exceptionThrown":
                details = p.get("exceptionDetails", {})
                text = details.get("exception", {}).get("description") or details.get("text", "")
                out.append(
                    f"exception: {text} at {details.get('url', '')}:{details.get('lineNumber')}"
                )
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append("log: " + p["entry"].get("text", ""))
            elif m == "Network.loadingFailed":
                out.append("request failed: " + json.dumps(p)[:300])
            elif m == "Network.requestWillBeSent" and not str(
                p.get("request", {}).get("url", "")
            ).startswith(("file:", "data:", "about:", "blob:")):
                out.append("network request: " + p["request"]["url"])
        return out


def render_in_browser(
    html_path: Path, tmp_path: Path, screenshot: Path, *, from_selector: str | None = None
) -> dict[str, Any]:
    """Open ``html_path`` from disk, let the plots draw, and report what the page holds.

    The screenshot is the 1280×2000 window at the top of the page, or from ``from_selector`` down.
    """
    browser = Browser(tmp_path / "chromium-profile")
    try:
        browser.open_page()
        browser.send("Page.navigate", {"url": html_path.resolve().as_uri()})
        browser.wait_for("Page.loadEventFired")
        expected = browser.evaluate("document.querySelectorAll('.plotly-graph-div').length")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            drawn = browser.evaluate(
                "Array.from(document.querySelectorAll('.plotly-graph-div'))"
                ".filter(d => d.querySelector('svg.main-svg')).length"
            )
            if drawn == expected:
                break
            time.sleep(0.2)
        time.sleep(0.5)
        facts = browser.evaluate(
            """JSON.stringify({
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
        )
        capture: dict[str, Any] = {"format": "png", "captureBeyondViewport": False}
        if from_selector:
            top = browser.evaluate(
                f"document.querySelector({json.dumps(from_selector)}).getBoundingClientRect().top"
                " + window.scrollY"
            )
            capture["captureBeyondViewport"] = True
            capture["clip"] = {"x": 0, "y": float(top), "width": 1280, "height": 2000, "scale": 1}
        shot = browser.send("Page.captureScreenshot", capture)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        result = json.loads(facts)
        result["problems"] = browser.problems()
        return result
    finally:
        browser.close()


needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (CI installs Debian's chromium)"
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
