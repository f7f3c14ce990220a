"""The contract every stochastic engine keeps, as a base class tests inherit (after Axelrod's TestPlayer).

A subclass sets ``engine`` (a name) and implements :meth:`scenario` and :meth:`run`; it may extend
:attr:`bad_params` with keyword arguments the engine must refuse with a :class:`DetenteError`.
"""

from __future__ import annotations

import pickle
from typing import Any, ClassVar

import numpy as np
import pytest

from detente.errors import DetenteError


class EngineContract:
    """Seed determinism, chunked = whole, pickling, refusal of bad parameters."""

    engine: ClassVar[str] = "engine"
    runs: ClassVar[int] = 600
    bad_params: ClassVar[list[dict[str, Any]]] = []

    def scenario(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def run(self, scenario: Any, **kwargs: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def arrays(self, result: Any) -> dict[str, np.ndarray]:
        """The per-replicate arrays of a result (override for engines that store them elsewhere)."""
        return dict(result.arrays)

    def assert_same(self, a: Any, b: Any) -> None:
        xa, xb = self.arrays(a), self.arrays(b)
        assert xa.keys() == xb.keys()
        for key in xa:
            np.testing.assert_array_equal(xa[key], xb[key], err_msg=key)

    def test_same_seed_gives_identical_numbers(self) -> None:
        s = self.scenario()
        self.assert_same(self.run(s, runs=self.runs, seed=11), self.run(s, runs=self.runs, seed=11))

    def test_different_seeds_give_different_numbers(self) -> None:
        s = self.scenario()
        a = self.arrays(self.run(s, runs=self.runs, seed=1))
        b = self.arrays(self.run(s, runs=self.runs, seed=2))
        assert any(not np.array_equal(a[k], b[k]) for k in a)

    def test_chunked_run_equals_whole_run(self) -> None:
        s = self.scenario()
        whole = self.run(s, runs=self.runs, seed=5, chunk_size=100_000)
        chunked = self.run(s, runs=self.runs, seed=5, chunk_size=256)
        self.assert_same(whole, chunked)

    def test_parallel_run_equals_serial_run(self) -> None:
        s = self.scenario()
        serial = self.run(s, runs=self.runs, seed=9, chunk_size=256, workers=1)
        parallel = self.run(s, runs=self.runs, seed=9, chunk_size=256, workers=2)
        self.assert_same(serial, parallel)

    def test_fewer_runs_are_a_prefix_of_more_runs(self) -> None:
        s = self.scenario()
        small = self.arrays(self.run(s, runs=100, seed=3))
        large = self.arrays(self.run(s, runs=self.runs, seed=3))
        for key, value in small.items():
            if value.shape and value.shape[0] == 100:
                np.testing.assert_array_equal(value, large[key][:100], err_msg=key)

    def test_result_survives_pickling(self) -> None:
        s = self.scenario()
        result = self.run(s, runs=64, seed=4)
        again = pickle.loads(pickle.dumps(result))
        self.assert_same(result, again)
        assert again.to_dict() == result.to_dict()

    def test_refuses_bad_parameters(self) -> None:
        s = self.scenario()
        for kwargs in [{"runs": 0}, {"runs": -5}, {"seed": -1}, {"horizon": 0}, *self.bad_params]:
            with pytest.raises(DetenteError):
                self.run(s, **{"runs": 10, "seed": 0, **kwargs})
