"""Each question generator on a tiny table whose answers are known by construction."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from detente.backtest import Inputs, generate_questions, get_class, read_events
from detente.backtest.harness import grid, make_questions
from detente.errors import InputError
from tests.backtest_data import tiny_data

HERE = Path(__file__).parent / "data" / "backtest"


@pytest.fixture
def tiny(tmp_path: Path) -> Inputs:
    root = tiny_data(tmp_path / "data")
    return Inputs(data=root, event_files=(HERE / "events_2016.csv",), use_default_events=False)


def answers(inputs: Inputs, cls: str, first: str, last: str, step: int, horizons: tuple[int, ...] = (3, 6, 12, 24)) -> dict[tuple[str, str, int], bool]:
    g = get_class(cls)
    d = g.build(inputs, pd.Timestamp(first))
    q = make_questions(d, grid(pd.Timestamp(first), pd.Timestamp(last), step), horizons)
    return {(s, o.strftime("%Y-%m-%d"), int(h)): bool(a) for s, o, h, a in zip(q["subject"], q["origin"], q["horizon"], q["answer"], strict=True)}


def test_dyad_event_answers_the_window_from_the_origin(tiny: Inputs) -> None:
    a = answers(tiny, "dyad-event:ASSAULT", "2016-04-01", "2017-07-01", 3, (3, 6))
    # PRK→KOR assaults on 2016-01-10 (before the origin) and 2016-08-14.
    assert a[("PRK->KOR", "2016-04-01", 3)] is False  # [Apr 1, Jul 1)
    assert a[("PRK->KOR", "2016-04-01", 6)] is True  # [Apr 1, Oct 1) holds Aug 14
    assert a[("PRK->KOR", "2016-07-01", 3)] is True
    assert a[("KOR->PRK", "2016-07-01", 3)] is False  # direction matters
    # Japan appears only after the first origin, so its dyads are not among the subjects.
    assert not any(k[0].startswith("PRK->JPN") for k in a)
    # A window must close within the data (last event 2017-12-30): no 6-month question from 2017-07-01.
    assert a[("PRK->KOR", "2017-07-01", 3)] is False
    assert ("PRK->KOR", "2017-07-01", 6) not in a
    # Quiet dyads are asked about too: every ordered pair among the countries seen before the first origin.
    assert ("CHN->KOR", "2016-04-01", 3) in a and a[("CHN->KOR", "2016-04-01", 3)] is False


def test_dyad_event_reads_gzip_and_plain_alike(tiny: Inputs) -> None:
    plain = read_events(HERE / "events_2016.csv", tiny.data)
    gz = read_events(HERE / "events_2016.csv.gz", tiny.data)
    pd.testing.assert_frame_equal(plain, gz)
    assert list(plain.loc[plain["cameo_code"] == "190", "plover"]) == ["ASSAULT", "ASSAULT"]


def test_mid_onset_levels(tiny: Inputs) -> None:
    a4 = answers(tiny, "mid-onset-4", "2003-01-01", "2004-01-01", 12, (3, 6))
    a3 = answers(tiny, "mid-onset-3", "2005-01-01", "2006-01-01", 12, (12,))
    # PRK-KOR onset in March 2003 at hostility 4, dated 2003-03-31: inside [Jan 1, Apr 1).
    assert a4[("KOR-PRK", "2003-01-01", 3)] is True
    assert a4[("KOR-PRK", "2004-01-01", 3)] is False
    # CHN-JPN reached hostility 3 only: a ≥ 3 onset in 2005, none at ≥ 4.
    assert a3[("CHN-JPN", "2005-01-01", 12)] is True
    assert a4.get(("CHN-JPN", "2003-01-01", 3)) is False
    # Politically relevant: CHN-JPN holds a permanent member; the same-region KOR-PRK had a MID.
    assert ("JPN-KOR", "2003-01-01", 3) not in a4


def test_conflict_onset_and_termination(tiny: Inputs) -> None:
    on = answers(tiny, "conflict-onset", "2004-01-01", "2005-01-01", 6, (6, 12))
    assert on[("PRK", "2004-01-01", 6)] is True  # episode from 2004-06-01
    assert on[("KOR", "2004-01-01", 6)] is True
    assert on[("JPN", "2004-01-01", 6)] is False
    end = answers(tiny, "conflict-termination", "2004-01-01", "2006-01-01", 3, (3, 6))
    subject = "c500@2004-06-01"
    assert (subject, "2004-01-01", 3) not in end  # not yet begun: not asked
    assert end[(subject, "2004-07-01", 6)] is False  # [Jul 1, Jan 1)
    assert end[(subject, "2004-10-01", 6)] is True  # ends 2005-02-10
    assert (subject, "2005-04-01", 3) not in end  # over: not asked


def test_missile_and_icbm_tests(tiny: Inputs) -> None:
    m = answers(tiny, "missile-test", "2006-01-01", "2009-06-01", 1, (3, 6))
    i = answers(tiny, "icbm-test", "2006-01-01", "2009-06-01", 1, (3, 6))
    assert m[("PRK", "2006-05-01", 3)] is True and i[("PRK", "2006-05-01", 3)] is True
    assert m[("PRK", "2009-02-01", 3)] is True  # the 2009 SLV counts as a missile test...
    assert i[("PRK", "2009-02-01", 3)] is False  # ...but not as an ICBM
    assert m[("PRK", "2007-01-01", 6)] is False


def test_leader_visits_both_ways(tiny: Inputs) -> None:
    v = answers(tiny, "leader-visit", "2005-07-01", "2006-07-01", 6, (6,))
    assert v[("USA->CHN", "2005-07-01", 6)] is True  # Bush in China 2005-11-19
    assert v[("CHN->USA", "2006-01-01", 6)] is True  # Hu in the US 2006-04-18
    assert v[("USA->JPN", "2006-07-01", 6)] is True  # Rice in Japan 2006-10-19
    assert v[("USA->KOR", "2005-07-01", 6)] is False


def test_unsc_resolutions_name_their_country(tiny: Inputs) -> None:
    r = answers(tiny, "unsc-resolution", "2006-01-01", "2007-01-01", 6, (6,))
    assert r[("PRK", "2006-01-01", 6)] is False  # resolutions of July and October 2006
    assert r[("PRK", "2006-07-01", 6)] is True
    assert r[("JPN", "2006-07-01", 6)] is False
    assert r[("JPN", "2007-01-01", 6)] is False  # a meeting on Japan adopted nothing


def test_new_alliance_is_a_new_obligation(tiny: Inputs) -> None:
    n = answers(tiny, "new-alliance", "2003-01-01", "2007-01-01", 12, (12, 24))
    assert n[("PRK-RUS", "2006-01-01", 12)] is True  # consultation from 2006, dated 2006-12-31
    assert n[("PRK-RUS", "2005-01-01", 12)] is False
    assert n[("PRK-RUS", "2005-01-01", 24)] is True
    assert n[("CHN-PRK", "2003-01-01", 24)] is False  # the defence pact is old, not new
    assert n[("PRK-RUS", "2007-01-01", 12)] is False


def test_horizons_the_data_do_not_allow_are_left_out(tiny: Inputs) -> None:
    qs = generate_questions(["new-alliance", "missile-test"], (3, 12), None, inputs=tiny)
    got = qs.questions.groupby("class")["horizon"].unique()
    assert sorted(got["new-alliance"]) == [12]
    assert sorted(got["missile-test"]) == [3, 12]


def test_unknown_class_is_refused() -> None:
    with pytest.raises(InputError, match="unknown question class 'mid-onset-9'"):
        get_class("mid-onset-9")
    with pytest.raises(InputError, match="unknown PLOVER type"):
        get_class("dyad-event:BOMB")
