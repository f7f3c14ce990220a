"""`detente app` in a real browser: Debian's headless Chromium driven through Selenium and chromium-driver.

The app runs as `detente app` in a subprocess (as a user starts it) on a free local port with a private
run store. The test switches mechanism K11 (accidental escalation) off, reruns, reads the changed
probability of an armed clash from the page, plays three turns of a game as Russia through the seat
link, checks the stored run, and finds no error in the browser console. Set ``DETENTE_SCREENSHOTS`` to a
folder to keep screenshots of both screens.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
SHOTS = Path(os.environ["DETENTE_SCREENSHOTS"]) if os.environ.get("DETENTE_SCREENSHOTS") else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    pytest.importorskip("dash")
    port = _free_port()
    store = tmp_path / "runs.duckdb"
    exe = Path(sys.executable).with_name("detente")
    proc = subprocess.Popen(
        [str(exe), "app", "korea-2018", "--port", str(port), "--store", str(store)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError(proc.stdout.read() if proc.stdout else "app exited") from None
                time.sleep(0.3)
        yield url, store
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture
def browser() -> Iterator[object]:
    if CHROMIUM is None or DRIVER is None:
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never download a driver
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,1800", "--disable-dev-shm-usage"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()


def _wait(drv: object, cond: object, timeout: float = 90) -> object:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, timeout, poll_frequency=0.2).until(cond)


def _pct(text: str) -> float:
    m = re.match(r"\s*([0-9.]+)", text)
    assert m, text
    return float(m.group(1))


def _severe(drv: object) -> list[dict[str, object]]:
    return [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"]  # type: ignore[attr-defined]


def test_lever_rerun_and_three_turns_as_a_seat(server: tuple[str, Path], browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    url, store = server
    drv = browser
    drv.get(url)  # type: ignore[attr-defined]
    k11 = _wait(drv, EC.element_to_be_clickable((By.CSS_SELECTOR, "#mech-on input[value='K11']")))
    assert k11.is_selected()  # type: ignore[attr-defined]
    k11.click()  # type: ignore[attr-defined]
    runs = drv.find_element(By.ID, "runs")  # type: ignore[attr-defined]
    runs.clear()
    runs.send_keys("2000")
    drv.find_element(By.ID, "run").click()  # type: ignore[attr-defined]
    cell = _wait(drv, EC.presence_of_element_located((By.ID, "p-variant-armed-clash")), timeout=180)
    row = cell.find_element(By.XPATH, "..")  # type: ignore[attr-defined]
    tds = [td.text for td in row.find_elements(By.TAG_NAME, "td")]
    base, variant, diff = _pct(tds[1]), _pct(tds[2]), tds[3]
    # K11 is the accident channel: without it fewer runs see a clash; the paired interval excludes 0.
    assert variant < base, tds
    assert diff.startswith("-") and diff.endswith("*"), tds
    assert "4,000/4,000 runs (baseline and variant) — done" in drv.find_element(By.ID, "progress-text").text  # type: ignore[attr-defined]
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        drv.save_screenshot(str(SHOTS / "app-workbench.png"))  # type: ignore[attr-defined]

    # A long run shows its progress and stops when asked; the last results stay on the page.
    runs.clear()
    runs.send_keys("100000")
    drv.find_element(By.ID, "run").click()  # type: ignore[attr-defined]
    _wait(drv, EC.text_to_be_present_in_element((By.ID, "progress-text"), "— running"))
    drv.find_element(By.ID, "stop").click()  # type: ignore[attr-defined]
    _wait(drv, EC.text_to_be_present_in_element((By.ID, "progress-text"), "stopped after"))
    assert drv.find_element(By.ID, "p-variant-armed-clash").text == tds[2]  # type: ignore[attr-defined]

    # A game: Russia's seat, three steps.
    drv.find_element(By.CSS_SELECTOR, "#play-seats input[value='RUS']").click()  # type: ignore[attr-defined]
    steps = drv.find_element(By.ID, "play-horizon")  # type: ignore[attr-defined]
    steps.send_keys("3")
    drv.find_element(By.ID, "play-start").click()  # type: ignore[attr-defined]
    link = _wait(drv, EC.presence_of_element_located((By.ID, "seat-link-RUS")))
    href = link.get_attribute("href")  # type: ignore[attr-defined]
    assert "token=" in href
    drv.get(href)  # type: ignore[attr-defined]
    for turn in range(1, 4):
        _wait(drv, EC.text_to_be_present_in_element((By.ID, "pl-stepline"), f"step {turn} of 3"))
        odds = drv.find_element(By.ID, "odds-war").text  # type: ignore[attr-defined]
        assert "%" in odds or "happened" in odds
        if turn == 1:
            # Russia consults North Korea: open the dropdown towards PRK and pick the action.
            prk = (By.XPATH, """//*[@id='{"target":"PRK","type":"pl-act"}']""")
            box = drv.find_element(*prk)  # type: ignore[attr-defined]
            box.click()
            option = (By.XPATH, "//div[@role='listbox']//label[.//input[@value='CONSULT']]")
            _wait(drv, EC.element_to_be_clickable(option)).click()  # type: ignore[attr-defined]
            _wait(drv, EC.text_to_be_present_in_element(prk, "CONSULT"))
        if turn == 2:
            assert "RUS→PRK CONSULT" in drv.find_element(By.ID, "pl-mine").text  # type: ignore[attr-defined]
            if SHOTS:
                drv.save_screenshot(str(SHOTS / "app-play.png"))  # type: ignore[attr-defined]
        drv.find_element(By.ID, "pl-submit").click()  # type: ignore[attr-defined]
    verdict = _wait(drv, EC.presence_of_element_located((By.ID, "verdict-0")))
    assert "engine runs" in verdict.text  # type: ignore[attr-defined]
    assert _severe(drv) == []

    from detente.store import RunStore

    run = RunStore(store).get("latest", with_steps=False)
    assert run.kind == "play" and run.params["seats"] == ["RUS"]
    assert len(run.params["moves"]) == 3 and len(run.result["path"]) == 3
    assert run.params["moves"][0]["RUS"]["actions"]["PRK"] == "CONSULT"


def test_seat_link_with_a_wrong_token_shows_an_error(server: tuple[str, Path], browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    url, _ = server
    drv = browser
    drv.get(url + "play/nosuchgame/RUS?token=guess")  # type: ignore[attr-defined]
    _wait(drv, EC.text_to_be_present_in_element((By.ID, "pl-view"), "not valid"))
    assert _severe(drv) == []
