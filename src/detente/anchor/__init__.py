"""The anchored engine's statistical backbone: reference classes, crisis states and fitted hazards.

Everything here is fitted on data dated before an as-of date and comes with parameter draws:

- :mod:`~detente.anchor.refclass`: reference classes (``missile-test:ICBM``, ``icews:046``, ``mid-onset:4``…)
  turned into dated occurrences per subject;
- :mod:`~detente.anchor.state`: the monthly hostility index of a dyad and its AR(1) transitions;
- :mod:`~detente.anchor.backbone`: the discrete-time logistic hazard with subject multipliers;
- :mod:`~detente.anchor.calibration`: one fitted calibration per as-of date, with its date check;
- :mod:`~detente.anchor.forecaster`: the ``engine`` forecaster of ``detente backtest``.

Example::

    from detente.anchor import Reference, fit_calibration
    cal = fit_calibration("2018-02-26", [Reference("missile-test:ICBM", "PRK", state="PRK-USA")], ["PRK-USA"])
    fit = cal.classes["missile-test:ICBM|PRK"]
"""

from detente.anchor.backbone import Backbone, ClassDraws, Dynamic
from detente.anchor.calibration import (
    Calibration,
    CalibrationError,
    ClassFit,
    fit_calibration,
    load_calibration,
)
from detente.anchor.refclass import FAMILIES, Reference, reference_data
from detente.anchor.state import StateDraws, StateFit

__all__ = [
    "FAMILIES",
    "Backbone",
    "Calibration",
    "CalibrationError",
    "ClassDraws",
    "ClassFit",
    "Dynamic",
    "Reference",
    "StateDraws",
    "StateFit",
    "fit_calibration",
    "load_calibration",
    "reference_data",
]
