"""History loaders: no row dated on or after the cut ever comes back, and the codes resolve."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from detente.errors import InputError
from detente.history import LOADERS, cut, load_icews, load_mids, load_rivalries, resolution_report
from detente.history.icews import _entries

CUTS = ["1990-01-01", "2008-07-15", "2014-03-01"]


@pytest.mark.parametrize("name", sorted(LOADERS))
@pytest.mark.parametrize("before", CUTS)
def test_no_row_on_or_after_the_cut_is_returned(data_root: Path, name: str, before: str) -> None:
    full = LOADERS[name](None, data_root)
    part = LOADERS[name](before, data_root)
    day = pd.Timestamp(before)
    assert (part["date"] < day).all()
    # Nothing dated before the cut is lost either (rivalries censor their end, so compare dates only).
    assert len(part) == int((full["date"] < day).sum())
    assert len(full) > len(part) or full["date"].max() < day


def test_a_rivalry_that_ends_after_the_cut_is_shown_as_ongoing(data_root: Path) -> None:
    full = load_rivalries(None, data_root).set_index("rivalryno")
    part = load_rivalries("2000-01-01", data_root).set_index("rivalryno")
    late = full.index[(full["endyear"] > 1999) & (full["styear"] < 2000)]
    assert len(late) > 5
    assert part.loc[late, "ongoing"].all() and (part.loc[late, "endyear"] == 1999).all()
    done = full.index[full["endyear"] <= 1999]
    assert not part.loc[done, "ongoing"].any()
    assert (part.loc[done, "endyear"] == full.loc[done, "endyear"]).all()


def test_mid_onsets_are_dated_at_the_end_of_their_start_month(data_root: Path) -> None:
    mids = load_mids(None, data_root)
    onsets = mids[mids["onset"]]
    assert (onsets["date"].dt.is_month_end).all()
    assert (onsets["date"].dt.year == onsets["year"]).all()
    assert set(mids["iso3_1"].dropna()) >= {"USA", "RUS", "CHN", "PRK", "KOR"}


def test_icews_resolution_recovers_events_step_by_step(data_root: Path) -> None:
    report = resolution_report(data_root)
    assert list(report["step"]) == ["file", "phoenix-persons", "leaders-after-2014", "nationality-words"]
    assert (report["events_recovered"] > 0).all()
    assert report["events_usable"].is_monotonic_increasing
    assert report.attrs["events_total"] == 461_329
    events = load_icews(None, data_root)
    obama = events.loc[events["source_actor"] == "Barack Obama", "source"]
    assert set(obama) == {"USA"}
    kju = events.loc[events["source_actor"].str.fullmatch("Kim Jong-?Un", case=False), "source"]
    assert kju.empty or set(kju) == {"PRK"}


def test_icews_without_resolution_keeps_only_the_files_codes(data_root: Path) -> None:
    plain = load_icews("2006-01-01", data_root, resolve=False)
    assert plain["source_step"].dropna().eq("file").all()
    resolved = load_icews("2006-01-01", data_root)
    assert resolved["source"].notna().sum() > plain["source"].notna().sum()


def test_cut_refuses_a_date_it_cannot_read() -> None:
    frame = pd.DataFrame({"date": pd.to_datetime(["2001-01-01", None, "2003-01-01"])})
    assert len(cut(frame, dt.date(2002, 1, 1))) == 1  # the undated row cannot be shown to predate the cut
    with pytest.raises(InputError, match="not a date"):
        cut(frame, "2002-13-45")


def test_actor_dictionary_entries_carry_their_codes() -> None:
    text = "TONY_BLAIR_  # c\n+BLAIR_TONY_\n\t[GBRGOV 970502-070627]\nKOFI_ANNAN_\t\n\t[IGOUNO 970101-061231]\n"
    assert list(_entries(text)) == [(["TONY_BLAIR_", "BLAIR_TONY_"], ["GBRGOV"]), (["KOFI_ANNAN_"], ["IGOUNO"])]
