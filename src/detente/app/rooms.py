"""Games played in the browser: one room per game, one secret link per seat.

A room holds a :class:`~detente.game.Game`, a token per seat and the moves submitted for the current
step. The step is played when every seat has submitted; the finished game is recorded in the run store
as a ``play`` run, exactly as ``detente play`` records it (so ``detente play --replay RUN`` replays it).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.game.session import Game, SeatMove


@dataclass
class Room:
    """A game with its seat tokens and the moves submitted for the current step."""

    id: str
    game: Game
    tokens: dict[str, str]
    pending: dict[str, SeatMove] = field(default_factory=dict)
    run_id: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = field(default_factory=time.perf_counter)


class Rooms:
    """Every game of this app session, by id."""

    def __init__(self, store: str | Path | None = None) -> None:
        self.store = store
        self.rooms: dict[str, Room] = {}

    def open(self, game: Game) -> Room:
        """Open a room for ``game`` with a fresh token per seat."""
        rid = secrets.token_hex(4)
        room = Room(rid, game, {s: secrets.token_urlsafe(12) for s in game.seats})
        self.rooms[rid] = room
        return room

    def seat(self, rid: str, seat: str, token: str) -> Room:
        """The room ``rid`` if ``token`` is ``seat``'s token there.

        Raises:
            InputError: No such game or seat, or a wrong token (the message does not say which).
        """
        room = self.rooms.get(rid) if isinstance(rid, str) else None
        expected = room.tokens.get(seat) if room is not None and isinstance(seat, str) else None
        if room is None or expected is None or not isinstance(token, str) or not hmac.compare_digest(expected, token):
            raise InputError("this seat link is not valid (fix: open the link the game's host gave you)")
        return room

    def is_seat_token(self, token: str) -> bool:
        """Whether ``token`` is any seat's token (it then opens play pages only)."""
        return any(hmac.compare_digest(t, token) for r in self.rooms.values() for t in r.tokens.values())

    def submit(self, room: Room, seat: str, move: SeatMove) -> bool:
        """Check and keep ``seat``'s move; play the step once every seat has moved. True if it was played.

        Raises:
            InputError: The game is over, or the move is invalid (nothing is kept).
        """
        with room.lock:
            if room.game.finished:
                raise InputError("the game is over (fix: start a new game from the workbench)")
            room.pending[seat] = room.game.check_move(seat, move)
            if set(room.pending) != set(room.game.seats):
                return False
            room.game.play(room.pending)
            room.pending = {}
            if room.game.finished and room.run_id is None:
                room.run_id = self._record(room)
            return True

    def _record(self, room: Room) -> str | None:
        from detente.store import RunStore

        g = room.game
        rs = RunStore(self.store)
        total = time.perf_counter() - room.started
        rid: str = rs.record("play", g.loaded, params=g.params(), seed=g.seed, result=g.result(),
                             timings={"total": total}, argv=["app"])
        return rid

    def summary(self, room: Room) -> dict[str, Any]:
        """Who has moved this step."""
        return {"step": room.game.step, "waiting": [s for s in room.game.seats if s not in room.pending]}
