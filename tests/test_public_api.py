"""The declared public API stays importable (a guard against accidental removals)."""

import detente
import detente.scenario


def test_top_level_namespace() -> None:
    for name in detente.__all__:
        assert hasattr(detente, name), name
    assert detente.__version__


def test_scenario_namespace() -> None:
    for name in detente.scenario.__all__:
        assert hasattr(detente.scenario, name), name
