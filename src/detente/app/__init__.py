"""``detente app``: a local web application to explore a crisis (levers, reruns, stored runs) and play it.

Needs the ``app`` extra (``pip install -e '.[app]'``). :func:`create_app` builds the Dash application;
:class:`Workbench` holds everything the page may ask for and checks every request; :class:`Rooms`
holds the games played in the browser, one token per seat.
"""

from typing import Any

from detente.app.rooms import Room, Rooms
from detente.app.workbench import Lever, Settings, Workbench, table_rows

__all__ = ["Lever", "Room", "Rooms", "Settings", "Workbench", "create_app", "table_rows"]


def create_app(*args: Any, **kwargs: Any) -> Any:
    """Build the Dash app (see :func:`detente.app.server.create_app`); imports Dash only when called."""
    from detente.app.server import create_app as _create

    return _create(*args, **kwargs)
