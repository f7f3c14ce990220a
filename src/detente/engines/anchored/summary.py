"""Streaming summaries of anchored runs: what a run keeps instead of its per-run paths.

A block of runs (:func:`.model.run_block`) is reduced where it was simulated to a :class:`RunSummary`:
exact sums (for the means) and a fixed-bin histogram (for the quantiles) of each run's conditional
probability per (outcome, horizon), and of the crisis state per (month, state). Histograms with the same
bins add exactly, and the sums are added in block order (:func:`.simulate.simulate` groups blocks in
fixed groups and folds the groups in order), so the numbers do not depend on the number of workers.

A quantile read from a histogram is within half a bin of the exact ``numpy.quantile`` (linear method):
each order statistic is placed at the middle of its bin (clipped to the observed minimum and maximum;
ranks among values equal to the minimum or the maximum, such as probabilities of exactly 0 or 1, are
exact), and the interpolation between two such estimates is off by no more than either. The bins:

- conditional probabilities: :data:`COND_BINS` bins on [0, 1], resolution :data:`COND_RESOLUTION`
  (1/8192, about 1.2e-4);
- crisis states: :data:`Z_BINS` bins on [:data:`Z_LO`, :data:`Z_HI`] (the standardised hostility index;
  the shipped scenarios' states stay within -4…6), resolution :data:`Z_RESOLUTION` (1/512, about
  2.0e-3). Values outside are counted (``under``/``over``) with the minimum and maximum kept, so the
  extreme ranks stay exact and :meth:`Histogram.exact_within` says whether a quantile keeps the bound.

References:
    - Fixed-bin histograms as mergeable quantile summaries: Ben-Haim & Tom-Tov (2010), "A streaming
      parallel decision tree algorithm", JMLR 11 (here with fixed bins, so merging is exact).
    - The quantile read off matches ``numpy.quantile(method="linear")`` (Hyndman & Fan 1996, definition 7).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COND_BINS = 4096
"""Bins of the conditional-probability histogram on [0, 1]."""
COND_RESOLUTION = 0.5 / COND_BINS
"""Largest distance of a conditional-probability quantile from the exact one (half a bin)."""
Z_LO, Z_HI, Z_BINS = -16.0, 16.0, 8192
"""Range and bins of the crisis-state histogram (bin width 2**-8, so binning a float32 state is exact)."""
Z_RESOLUTION = 0.5 * (Z_HI - Z_LO) / Z_BINS
"""Largest distance of a crisis-state quantile from the exact one, for quantiles inside the range."""


@dataclass
class Histogram:
    """Counts of values in fixed bins over ``[lo, hi)``, per cell, with under/overflow, minima and maxima.

    Attributes:
        lo: Lower edge of the first bin.
        hi: Upper edge of the last bin (a value equal to ``hi`` counts in the last bin).
        counts: ``(cells, bins + 2)`` int64: column 0 counts values below ``lo``, the last column values
            above ``hi``, the others the bins in order.
        vmin: ``(cells,)`` smallest value seen (``+inf`` before any).
        vmax: ``(cells,)`` largest value seen (``-inf`` before any).
        nan: ``(cells,)`` values that were not numbers (they make the cell's quantiles NaN, as in numpy).
        at_min: ``(cells,)`` values equal to ``vmin`` (an atom such as a probability of exactly 0).
        at_max: ``(cells,)`` values equal to ``vmax``.
    """

    lo: float
    hi: float
    counts: np.ndarray
    vmin: np.ndarray
    vmax: np.ndarray
    nan: np.ndarray
    at_min: np.ndarray
    at_max: np.ndarray

    @property
    def bins(self) -> int:
        """Bins inside ``[lo, hi]``."""
        return int(self.counts.shape[1]) - 2

    @property
    def width(self) -> float:
        """Width of one bin."""
        return (self.hi - self.lo) / self.bins

    @property
    def resolution(self) -> float:
        """The largest distance of a quantile from the exact one while its ranks fall inside the range."""
        return 0.5 * self.width

    @classmethod
    def of(cls, values: np.ndarray, lo: float, hi: float, bins: int) -> Histogram:
        """The histogram of ``values`` ``(n, *cells)``: one histogram per cell, over the first axis.

        The counts are ``uint16`` when ``n`` fits (a group of blocks: a quarter of the bytes of int64),
        and become int64 when histograms are added. Cells are binned a slice at a time, so the
        temporaries stay near :data:`SLICE_VALUES` values whatever the group's size.
        """
        x = np.asarray(values).reshape(values.shape[0], -1)
        if x.dtype not in (np.float32, np.float64):
            x = x.astype(np.float64)
        n, cells = x.shape
        small = np.uint16 if n <= np.iinfo(np.uint16).max else np.int64
        counts = np.empty((cells, bins + 2), dtype=small)
        step = max(1, SLICE_VALUES // max(n, 1))
        for c0 in range(0, cells, step):
            counts[c0:c0 + step] = _bin_counts(x[:, c0:c0 + step], lo, hi, bins)
        bad = np.isnan(x)
        if bad.any():
            vmin = np.where(bad, np.inf, x).min(axis=0, initial=np.inf)
            vmax = np.where(bad, -np.inf, x).max(axis=0, initial=-np.inf)
        else:
            vmin = x.min(axis=0, initial=np.inf)
            vmax = x.max(axis=0, initial=-np.inf)
        at_min = (x == vmin).sum(axis=0).astype(np.int64)
        at_max = (x == vmax).sum(axis=0).astype(np.int64)
        return cls(lo, hi, counts, vmin.astype(np.float64), vmax.astype(np.float64), bad.sum(axis=0).astype(np.int64),
                   at_min, at_max)

    def add(self, other: Histogram) -> None:
        """Add ``other``'s counts (same bins) to this one, in place: exact, in any order."""
        if (self.lo, self.hi, self.counts.shape) != (other.lo, other.hi, other.counts.shape):
            raise ValueError("histograms with different bins do not add")
        if self.counts.dtype != np.int64:
            self.counts = self.counts.astype(np.int64)
        self.counts += other.counts
        # the count at the extreme: both sides' when they share it, else the side that holds it
        self.at_min = np.where(self.vmin == other.vmin, self.at_min + other.at_min,
                               np.where(self.vmin < other.vmin, self.at_min, other.at_min))
        self.at_max = np.where(self.vmax == other.vmax, self.at_max + other.at_max,
                               np.where(self.vmax > other.vmax, self.at_max, other.at_max))
        np.minimum(self.vmin, other.vmin, out=self.vmin)
        np.maximum(self.vmax, other.vmax, out=self.vmax)
        self.nan += other.nan

    def _order_statistic(self, k: np.ndarray) -> np.ndarray:
        """Per cell, the estimate of the ``k``-th smallest value (0-based): the middle of its bin."""
        cum = np.cumsum(self.counts, axis=1)
        col = (cum <= k[:, None]).sum(axis=1)  # the first column whose running count exceeds k
        n = cum[:, -1]
        w = self.width
        left = np.where(col == 0, -np.inf, self.lo + (col - 1) * w)
        right = np.where(col == self.bins + 1, np.inf, self.lo + col * w)
        a = np.maximum(left, self.vmin)
        b = np.minimum(right, self.vmax)
        est = 0.5 * (a + b)
        # Ranks among the values equal to the minimum or the maximum are exact (0s and 1s of a probability).
        est = np.where(k < self.at_min, self.vmin, est)
        return np.where(k >= n - self.at_max, self.vmax, est)

    def _ranks(self, q: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per cell: the count ``n``, the ranks below and above the ``q`` quantile, and the weight of the one above."""
        n = self.counts.sum(axis=1)
        virtual = q * (n - 1).astype(np.float64)
        below = np.floor(virtual).astype(np.int64)
        above = np.minimum(below + 1, np.maximum(n - 1, 0))
        return n, below, above, virtual - below

    def quantile(self, q: float) -> np.ndarray:
        """Per cell, the ``q`` quantile as ``numpy.quantile`` (linear) would give it, within :attr:`resolution`."""
        n, below, above, frac = self._ranks(q)
        x0 = self._order_statistic(below)
        x1 = self._order_statistic(above)
        out = x0 + (x1 - x0) * frac
        out = np.where(frac == 0, x0, out)
        return np.where((n == 0) | (self.nan > 0), np.nan, out)

    def exact_within(self, q: float) -> np.ndarray:
        """Per cell, whether the ``q`` quantile's ranks fall inside ``[lo, hi]`` (so :attr:`resolution` holds)."""
        n, below, above, _ = self._ranks(q)
        under, over = self.counts[:, 0], self.counts[:, -1]
        extreme = (below == 0) | (above == n - 1)
        return extreme | ((below >= under) & (above < n - over))


@dataclass
class RunSummary:
    """What a run keeps of the conditional probabilities and crisis states: sums and histograms.

    Attributes:
        runs: Runs summarised.
        cond_sum: ``(outcomes, horizons)`` sum over runs of the conditional probabilities (float64).
        cond_hist: Their histogram, one cell per (outcome, horizon).
        z_sum: ``(months + 1, states)`` sum over runs of the crisis state.
        z_hist: Its histogram, one cell per (month, state).
    """

    runs: int
    cond_sum: np.ndarray
    cond_hist: Histogram
    z_sum: np.ndarray
    z_hist: Histogram

    @classmethod
    def of(cls, cond: np.ndarray, z: np.ndarray) -> RunSummary:
        """Summarise runs' ``cond`` ``(runs, outcomes, horizons)`` and ``z`` ``(runs, months + 1, states)``."""
        return cls(
            runs=int(cond.shape[0]),
            cond_sum=cond.sum(axis=0, dtype=np.float64),
            cond_hist=Histogram.of(cond, 0.0, 1.0, COND_BINS),
            z_sum=z.sum(axis=0, dtype=np.float64),
            z_hist=Histogram.of(z, Z_LO, Z_HI, Z_BINS),
        )

    def add(self, other: RunSummary) -> None:
        """Add the next runs' summary (in block order: the sums are floating point) to this one, in place."""
        self.runs += other.runs
        self.cond_sum += other.cond_sum
        self.cond_hist.add(other.cond_hist)
        self.z_sum += other.z_sum
        self.z_hist.add(other.z_hist)

    def cond_mean(self) -> np.ndarray:
        """``(outcomes, horizons)`` mean conditional probability."""
        return self.cond_sum / self.runs

    def cond_quantile(self, q: float) -> np.ndarray:
        """``(outcomes, horizons)`` quantile of the conditional probability, within :data:`COND_RESOLUTION`."""
        return self.cond_hist.quantile(q).reshape(self.cond_sum.shape)

    def z_mean(self) -> np.ndarray:
        """``(months + 1, states)`` mean crisis state."""
        return self.z_sum / self.runs

    def z_quantile(self, q: float) -> np.ndarray:
        """``(months + 1, states)`` quantile of the crisis state, within :data:`Z_RESOLUTION` inside the range."""
        return self.z_hist.quantile(q).reshape(self.z_sum.shape)


SLICE_VALUES = 1 << 18
"""Values binned at once by :meth:`Histogram.of` (bounds its temporaries to a few MB)."""


def _bin_counts(x: np.ndarray, lo: float, hi: float, bins: int) -> np.ndarray:
    """``(cells, bins + 2)`` counts of ``x`` ``(n, cells)``: under, the bins in order, over; NaNs left out."""
    n, cells = x.shape
    width = bins + 2
    bad = np.isnan(x)
    any_bad = bool(bad.any())
    if any_bad:
        x = np.where(bad, x.dtype.type(lo), x)
    # With bins / (hi - lo) a power of two and lo on the grid (as for both ranges here), x * scale and
    # its floor are exact in float32 as in float64: a value's bin does not depend on rounding.
    scale = bins / (hi - lo)
    pos = np.multiply(x, x.dtype.type(scale))
    np.floor(pos, out=pos)
    np.clip(pos, lo * scale - 1, hi * scale - 1, out=pos)  # below lo: column 0; hi itself: the last bin
    # column = floor - lo*scale + 1, in the row of its cell (exact: below 2**24 for float32)
    pos += (np.arange(cells, dtype=np.float64) * width + 1 - lo * scale).astype(x.dtype)
    idx = pos.astype(np.intp)
    above = x > hi
    if above.any():
        idx[above] = (np.nonzero(above)[1] + 1) * width - 1
    flat = idx[~bad] if any_bad else idx.ravel()
    return np.bincount(flat, minlength=cells * width).reshape(cells, width)
