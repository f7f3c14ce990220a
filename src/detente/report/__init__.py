"""Reports: one self-contained HTML file per run, with plots, sources, quotes and every assumption.

``detente report ID -o report.html`` calls :func:`write_report` on a stored run.
"""

from detente.report.html import (
    Assumption,
    ReportInput,
    assumptions,
    quotes_by_source,
    render,
    write_report,
)

__all__ = ["Assumption", "ReportInput", "assumptions", "quotes_by_source", "render", "write_report"]
