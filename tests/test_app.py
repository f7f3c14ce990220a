"""The workbench and the app's server refuse bad requests with a clear message and change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detente.app.rooms import Rooms
from detente.app.workbench import Workbench, table_rows
from detente.engines.escalation import simulate
from detente.errors import InputError
from detente.game import Game, SeatMove

dash = pytest.importorskip("dash")


@pytest.fixture(scope="module")
def wb() -> Workbench:
    return Workbench([Path(__file__).parent / "data"], workers=1)


def test_every_lever_shows_its_scale_default_and_where_it_comes_from(wb: Workbench) -> None:
    levers = {lv.path: lv for lv in wb.levers(wb.load("korea-2018"))}
    usa = levers["actors[USA].doctrine"]
    assert (usa.lo, usa.hi, usa.default) == (0.0, 1.0, 0.85)
    assert usa.quote.startswith("Donald Trump hopes") and usa.source == "valdai-2018"
    k11 = levers["mechanisms[K11].params.rate"]
    assert k11.lo <= k11.default <= k11.hi and k11.quote
    assert any(p.startswith("engine.") for p in levers)


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"off": ["K99"]}, "mechanism 'K99': not a mechanism of korea-2018"),
        ({"strategy": "nope"}, "strategy 'nope': not a strategy"),
        ({"changes": {"actors[USA].doctrine": 1.7}}, "1.7 is outside its scale 0…1"),
        ({"changes": {"actors[XX].doctrine": 0.5}}, "'actors[XX].doctrine': not a value of korea-2018"),
        ({"changes": {"actors[USA].doctrine": "lots"}}, "'lots' is not a number"),
        ({"changes": {"actors[USA].doctrine": float("nan")}}, "not a finite number"),
        ({"runs": 0}, "runs: 0 is not a whole number"),
        ({"runs": 2.5}, "runs: 2.5 is not a whole number"),
        ({"seed": -1}, "seed: -1 is not a whole number"),
    ],
)
def test_bad_requests_are_refused_with_the_fix(wb: Workbench, request_: dict[str, Any], message: str) -> None:
    jobs = dict(wb.jobs)
    with pytest.raises(InputError, match="fix") as err:
        wb.check(wb.load("korea-2018"), request_)
    assert message in str(err.value)
    assert wb.jobs == jobs


@pytest.mark.parametrize("name", ["/etc/passwd", "../../etc/hosts.toml", "tests/data/../../pyproject.toml", ""])
def test_paths_outside_the_scenario_folders_are_refused(wb: Workbench, name: str) -> None:
    with pytest.raises(InputError, match="scenario"):
        wb.load(name)


def test_a_local_scenario_in_a_folder_opens(wb: Workbench) -> None:
    local = str((Path(__file__).parent / "data" / "tiny.toml").resolve())
    assert local in wb.scenarios()
    assert wb.load(local).scenario.actors


def test_a_rerun_is_simulate_on_both_arms_with_paired_differences(wb: Workbench) -> None:
    loaded = wb.load("korea-2018")
    s = wb.check(loaded, {"off": ["K11"], "runs": 512, "seed": 3})
    cmp = wb.rerun(loaded, s)
    base = simulate(loaded.scenario, runs=512, seed=3)
    var = simulate(loaded.scenario, runs=512, seed=3, mechanisms_off=("K11",))
    k = base.outcomes.index("armed-clash")
    pb = float(np.mean(base.arrays["outcome_first"][:, k] >= 1))
    pv = float(np.mean(var.arrays["outcome_first"][:, k] >= 1))
    row = cmp.row("armed-clash", cmp.horizon, "variant")
    assert row.probability.p == pytest.approx(pv)
    assert row.effect is not None and row.effect.p == pytest.approx(pv - pb)
    assert row.effect.lo < row.effect.p < row.effect.hi
    # The same levers as the baseline give a difference of exactly zero (common random numbers).
    same = wb.rerun(loaded, wb.check(loaded, {"runs": 512, "seed": 3}))
    assert all(r["difference"].startswith("+0.0") and not r["difference"].endswith("*") for r in table_rows(same))
    assert all(x.effect is not None and x.effect.p == 0.0 for x in same.select(kind=["strategy"]))


def test_a_run_can_be_stopped(wb: Workbench) -> None:
    loaded = wb.load("korea-2018")
    job = wb.start(loaded, wb.check(loaded, {"runs": 100_000, "seed": 9}))
    job.stop.set()
    for _ in range(600):
        if job.state != "running":
            break
        import time

        time.sleep(0.05)
    assert job.state == "stopped" and job.comparison is None and job.done < job.total


def test_seat_tokens_open_only_their_seat() -> None:
    from detente.scenario.io import load_scenario_file

    rooms = Rooms()
    room = rooms.open(Game(load_scenario_file("korea-2018", check_quotes=False), ("RUS", "USA"), horizon=2, lanes=32))
    assert rooms.seat(room.id, "RUS", room.tokens["RUS"]) is room
    for rid, seat, token in [(room.id, "RUS", room.tokens["USA"]), (room.id, "CHN", room.tokens["RUS"]),
                             ("nope", "RUS", room.tokens["RUS"]), (room.id, "RUS", "")]:
        with pytest.raises(InputError, match="not valid"):
            rooms.seat(rid, seat, token)
    with pytest.raises(InputError, match="not an action open"):
        rooms.submit(room, "RUS", SeatMove({"USA": "FLY"}))
    assert room.pending == {}
    assert rooms.submit(room, "RUS", SeatMove({"USA": "ACCUSE"})) is False
    assert room.game.step == 0
    assert rooms.submit(room, "USA", SeatMove()) is True
    assert room.game.step == 1


# -- the server ---------------------------------------------------------------------------------


def _post(client: Any, output: str, outputs: list[dict[str, str]], inputs: list[dict[str, Any]],
          state: list[dict[str, Any]]) -> Any:
    # A callback with one output takes it as an object, several as a list.
    outs: Any = outputs if output.startswith("..") else outputs[0]
    body = {"output": output, "outputs": outs, "inputs": inputs, "state": state,
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs]}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


def test_an_out_of_range_value_sent_to_the_server_only_writes_the_message(tmp_path: Path) -> None:
    from detente.app.server import create_app

    app = create_app("korea-2018", folders=(tmp_path,), store=tmp_path / "r.duckdb", workers=1)
    client = app.server.test_client()
    resp = _post(
        client, "..changes.data...msg.children..",
        [{"id": "changes", "property": "data"}, {"id": "msg", "property": "children"}],
        [{"id": "lever-add", "property": "n_clicks", "value": 1}, {"id": "changes-clear", "property": "n_clicks", "value": None}],
        [{"id": "lever-path", "property": "value", "value": "actors[USA].doctrine"},
         {"id": "lever-value", "property": "value", "value": 1.7},
         {"id": "changes", "property": "data", "value": {}},
         {"id": "scenario", "property": "value", "value": "korea-2018"}],
    )
    assert resp.status_code == 200
    out = resp.get_json()["response"]
    assert "changes" not in out  # nothing changed
    assert "1.7 is outside its scale 0…1" in out["msg"]["children"]


def test_a_scenario_path_outside_the_folders_sent_to_the_server_is_refused(tmp_path: Path) -> None:
    from detente.app.server import create_app

    app = create_app("korea-2018", folders=(tmp_path,), store=tmp_path / "r.duckdb", workers=1)
    client = app.server.test_client()
    out_ids = ["scenario-view.children", "mech-on.options", "mech-on.value", "strategy.options", "lever-path.options",
               "play-seats.options", "changes.data", "msg.children"]
    key = next(k for k in app.callback_map if k.startswith("..scenario-view.children"))
    resp = _post(client, key, [{"id": i.split(".")[0], "property": i.split(".")[1]} for i in out_ids],
                 [{"id": "scenario", "property": "value", "value": "/etc/passwd"}], [])
    out = resp.get_json()["response"]
    assert "not a shipped scenario nor a .toml file in the scenario folders" in out["msg"]["children"]
    assert "scenario-view" not in out


def test_with_a_token_every_request_needs_it(tmp_path: Path) -> None:
    from detente.app.server import create_app

    app = create_app("korea-2018", store=tmp_path / "r.duckdb", token="s3cret", workers=1)
    client = app.server.test_client()
    assert client.get("/").status_code == 403
    assert "needs its token" in client.get("/").get_data(as_text=True)
    assert client.get("/?token=wrong").status_code == 403
    ok = client.get("/?token=s3cret")
    assert ok.status_code == 200
    assert "detente_token" in ok.headers.get("Set-Cookie", "")
    assert client.get("/").status_code == 200  # the cookie now carries it
    other = app.server.test_client()
    assert other.post("/_dash-update-component", data="{}", content_type="application/json").status_code == 403


def test_a_seat_token_opens_play_pages_but_not_the_workbench(tmp_path: Path) -> None:
    from detente.app.server import create_app
    from detente.scenario.io import load_scenario_file

    app = create_app("korea-2018", store=tmp_path / "r.duckdb", token="s3cret", workers=1)
    rooms = app.detente_rooms  # type: ignore[attr-defined]
    room = rooms.open(Game(load_scenario_file("korea-2018", check_quotes=False), ("RUS",), horizon=2, lanes=32))
    client = app.server.test_client()
    t = room.tokens["RUS"]
    assert client.get(f"/play/{room.id}/RUS?token={t}").status_code == 200
    assert client.get(f"/?token={t}").status_code == 403


def test_the_cli_needs_a_token_off_localhost() -> None:
    from detente.cli.webapp import app_url

    assert app_url("127.0.0.1", 8050, None) == "http://127.0.0.1:8050/"
    assert app_url("0.0.0.0", 8050, "abc").endswith("/?token=abc")


def test_stored_runs_open_compare_and_give_their_report(tmp_path: Path) -> None:
    from detente.app.server import create_app
    from detente.scenario.io import load_scenario_file
    from detente.store import RunStore

    store = tmp_path / "r.duckdb"
    loaded = load_scenario_file("korea-2018", check_quotes=False)
    ids = []
    for off in ((), ("K11",)):
        res = simulate(loaded.scenario, runs=256, seed=1, mechanisms_off=off)
        ids.append(RunStore(store).record("simulate", loaded, params={"runs": 256, "mechanisms_off": list(off)},
                                          seed=1, result=res.to_dict()))
    app = create_app("korea-2018", store=store, workers=1)
    client = app.server.test_client()
    opened = _post(client, "run-view.children", [{"id": "run-view", "property": "children"}],
                   [{"id": "run-a", "property": "value", "value": ids[1]}], []).get_json()["response"]
    text = json.dumps(opened)
    assert f"run {ids[1]}: simulate of korea-2018" in text and "armed-clash" in text
    diff = _post(client, "runs-diff.children", [{"id": "runs-diff", "property": "children"}],
                 [{"id": "runs-compare", "property": "n_clicks", "value": 1}],
                 [{"id": "run-a", "property": "value", "value": ids[0]},
                  {"id": "run-b", "property": "value", "value": ids[1]}]).get_json()["response"]
    assert "mechanisms_off" in json.dumps(diff)
    key = next(k for k in app.callback_map if k.startswith("..download.data"))
    rep = _post(client, key, [{"id": "download", "property": "data"}, {"id": "msg", "property": "children"}],
                [{"id": "report-a", "property": "n_clicks", "value": 1}, {"id": "report-b", "property": "n_clicks", "value": None}],
                [{"id": "run-a", "property": "value", "value": ids[0]},
                 {"id": "run-b", "property": "value", "value": ids[1]}]).get_json()["response"]
    assert rep["download"]["data"]["filename"] == f"report-{ids[0]}.html"
    assert rep["download"]["data"]["content"].lstrip().lower().startswith("<!doctype html")
    missing = _post(client, "run-view.children", [{"id": "run-view", "property": "children"}],
                    [{"id": "run-a", "property": "value", "value": "no-such-run"}], []).get_json()["response"]
    assert "Error:" in json.dumps(missing)


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        exe = Path(sys.executable).with_name("detente")
        out = subprocess.run([str(exe), "app", "--port", str(port)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 2
    assert out.stderr.strip().startswith(f"Error: --host 127.0.0.1 --port {port}: cannot listen there")
    assert "Traceback" not in out.stderr
