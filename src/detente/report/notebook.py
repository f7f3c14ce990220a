"""HTML for results shown in a notebook (``_repr_html_``): a caption and a pandas table."""

from __future__ import annotations

import html
from typing import Any


def frame_html(title: str, frame: Any, note: str = "", max_rows: int = 60) -> str:
    """A titled HTML table of a DataFrame, probabilities to 3 decimals, for Jupyter's rich display."""
    table = frame.to_html(index=False, max_rows=max_rows, float_format=lambda v: f"{v:.3f}", border=0)
    foot = f"<p><small>{html.escape(note)}</small></p>" if note else ""
    return f"<div class='detente-result'><p><strong>{html.escape(title)}</strong></p>{table}{foot}</div>"
