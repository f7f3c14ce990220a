"""The escalation engine: a quantal-response event model stepped for many replicates at once.

State per replicate: directed tension ``T[p]`` for each ordered pair ``p = (i, j)`` (the hostility of
``i`` towards ``j``), issue positions and status quo, military and economic capacity, standing with the
audience, and the state of each institutional channel. Each step every actor chooses one action (no
event, one of the 16 PLOVER types, or a named event) towards every other actor by a logit choice over
utilities; the actions then move tension (Richardson reaction with decay), positions, capacities,
standing and channels. All arrays are shaped ``(replicates, …)``; no Python object per agent.

References:
    - McKelvey & Palfrey (1995). Quantal response equilibria for normal form games. GEB 10:6–38.
    - Richardson (1960). *Arms and Insecurity*. Boxwood.
    - Fearon (1995). Rationalist explanations for war. IO 49:379–414 (costs of war, misjudged resolve).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.errors import InputError
from detente.ontology import EventType
from detente.scenario.model import ActionKind, Scenario, Strategy, StrategyComponent

from .compile import TYPES, Compiled, actions_of, compile_scenario, split_overrides, type_action

SETTLE_TENSION = 0.3
"""A settlement is an agreement between rivals while their tension is below this both ways."""
OFFSET_SEED = 20_260_101
"""Seed of the fixed noise draws over which the calibration offset averages (not the run's seed)."""
BLOCK = 256
"""Replicates per random-number block: replicate ``r`` draws from block ``r // BLOCK``'s stream."""

_T = {t: type_action(t) for t in TYPES}
_COOP_CORE = (EventType.CONSULT, EventType.AGREE, EventType.SUPPORT, EventType.COOPERATE)


@dataclass(frozen=True)
class Phase:
    """A span of steps ``[start, end)`` over which one compiled parameter set applies."""

    start: int
    end: int
    compiled: Compiled


def _cols(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``x[..., idx]`` (a gather along the last axis; ``np.take`` is several times faster than indexing)."""
    return np.take(x, idx, axis=-1)


def _sat(x: np.ndarray, s: float) -> np.ndarray:
    return x / (1.0 + x / s)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class EscalationModel:
    """A compiled scenario ready to run replicates of the escalation dynamics.

    Args:
        scenario: The scenario.
        horizon: Steps to run (default: the scenario's horizon).
        strategy: A strategy id of the scenario, a :class:`Strategy`, or a list of components.
        overrides: Scenario field paths (or ``engine.NAME``) to values.
        mechanisms_off: Mechanism ids to switch off.
        fixed_actions: Optional mapping ``(actor, target) → action name`` (PLOVER type, named event or
            ``"NONE"``); when given, every pair's choice is fixed (unlisted pairs choose no event).

    Raises:
        InputError: Bad horizon, strategy, override or mechanism id.
    """

    traits: dict[str, Any] = {"stochastic": True, "vectorised": True, "name": "escalation"}

    def __init__(
        self,
        scenario: Scenario,
        *,
        horizon: int | None = None,
        strategy: str | Strategy | Sequence[StrategyComponent] | None = None,
        overrides: Mapping[str, float | str | bool] | None = None,
        mechanisms_off: Iterable[str] = (),
        fixed_actions: Mapping[tuple[str, str], str] | None = None,
    ) -> None:
        self.scenario = scenario
        self.horizon = int(scenario.scenario.horizon if horizon is None else horizon)
        if self.horizon < 1 or self.horizon > 600:
            raise InputError(f"horizon: {self.horizon} is outside 1…600 (fix: give a positive number of steps)")
        self.mechanisms_off = frozenset(mechanisms_off)
        self.overrides = dict(overrides or {})
        self.strategy_name, self.components = strategy_components(scenario, strategy)
        base, engine = split_overrides(scenario, self.overrides)
        self._base = base
        self._engine = engine
        # Intercepts are fitted to rates at U = 0; the offset makes the scenario as written reproduce them
        # at its initial state (docs/model.md, "Calibrated values"). It is computed once from the scenario
        # without overrides, strategy or switched-off mechanisms, so that those move the rates from there.
        self.offset = calibration_offset(compile_scenario(scenario))
        self.phases = self._phases()
        self.compiled = self.phases[0].compiled
        self.fixed: np.ndarray | None = None
        if fixed_actions is not None:
            self.fixed = self._fixed(fixed_actions)

    # -- set-up -----------------------------------------------------------------------------

    def _phases(self) -> list[Phase]:
        sets = [a for c in self.components for a in c.actions if a.kind is ActionKind.SET]
        cuts = {0, self.horizon}
        for a in sets:
            cuts.add(min(a.start, self.horizon))
            if a.end is not None:
                cuts.add(min(a.end, self.horizon))
        bounds = sorted(cuts)
        phases = []
        for start, end in zip(bounds[:-1], bounds[1:], strict=True):
            active = {
                str(a.path): a.value
                for a in sets
                if a.start <= start and (a.end is None or start < a.end) and a.value is not None
            }
            scen, _ = split_overrides(self._base, active) if active else (self._base, {})
            comp = compile_scenario(scen, self._engine, self.mechanisms_off)
            self._add_strategy_bias(comp)
            phases.append(Phase(start, end, comp))
        return phases

    def _add_strategy_bias(self, comp: Compiled) -> None:
        ix = {a: i for i, a in enumerate(comp.actors)}
        for c in self.components:
            for a in c.actions:
                if a.kind is not ActionKind.EVENT or a.actor is None or a.event is None:
                    continue
                if a.actor not in ix:
                    raise InputError(f"strategy {c.id}: unknown actor {a.actor!r}")
                # A push on a type also raises its named specialisations: contacts make summits likelier.
                acts = actions_of(
                    comp.action_names, comp.action_type, comp.action_mode, a.event, a.mode,
                    modeless_too=True,
                )
                if not acts:
                    raise InputError(f"strategy {c.id}: unknown event {a.event!r}")
                targets = a.targets or tuple(x for x in comp.actors if x != a.actor)
                w = a.weight.value if a.weight is not None else 1.0
                for t in targets:
                    p = int(comp.pair_index[ix[a.actor], ix[t]])
                    if p >= 0:
                        for act in acts:
                            comp.strategy_bias.append((p, act, a.start, a.end, w))

    def _fixed(self, fixed: Mapping[tuple[str, str], str]) -> np.ndarray:
        comp = self.compiled
        ix = {a: i for i, a in enumerate(comp.actors)}
        out = np.zeros(len(comp.pairs), dtype=np.int64)
        for (a, b), name in fixed.items():
            if a not in ix or b not in ix or comp.pair_index[ix[a], ix[b]] < 0:
                raise InputError(f"fixed_actions: no pair {a}->{b} (fix: use acting actor ids)")
            if name not in comp.action_names:
                raise InputError(f"fixed_actions: unknown action {name!r} (fix: a PLOVER type, named event or NONE)")
            out[comp.pair_index[ix[a], ix[b]]] = comp.action_names.index(name)
        return out

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__.copy()

    # -- running ----------------------------------------------------------------------------

    def run_blocks(self, seed: int, first_block: int, n_blocks: int, runs: int) -> dict[str, np.ndarray]:
        """Run replicates ``[first_block·BLOCK, (first_block+n_blocks)·BLOCK) ∩ [0, runs)``.

        Every block draws its random numbers from its own stream ``SeedSequence(seed, spawn_key=(b,))``
        in a fixed order, for all ``BLOCK`` lanes, so a replicate's numbers depend only on the seed and
        its index: any chunking, serial or parallel, gives identical results.
        """
        lo = first_block * BLOCK
        hi = min((first_block + n_blocks) * BLOCK, runs)
        if hi <= lo:
            raise InputError(f"no replicates in blocks {first_block}…{first_block + n_blocks} of {runs} runs")
        rngs = [
            np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(b,))))
            for b in range(first_block, first_block + n_blocks)
        ]
        keep = hi - lo
        out = _Run(self, rngs, keep).run()
        return {k: v[:keep] if k not in _BLOCK_KEYS else v for k, v in out.items()}


_BLOCK_KEYS = frozenset({"actor_positions_sum"})
"""Arrays kept per block (summed over its lanes) rather than per replicate."""


class _Run:
    """One chunk of replicates stepped through the horizon.

    ``detente.game.stepper.GameRun`` subclasses it for human seats through three hooks: ``_draw`` (each
    step's random numbers), ``_choose`` (the chosen actions) and ``_after_step``; keep their signatures
    (``tests/test_play.py`` checks that the subclass reproduces these runs exactly).
    """

    def __init__(self, model: EscalationModel, rngs: list[np.random.Generator], keep: int) -> None:
        self.m = model
        self.rngs = rngs
        self.R = BLOCK * len(rngs)
        self.lane_weight = (np.arange(self.R) < keep).astype(np.float64)
        self._buffer: np.ndarray | None = None
        self._levels: list[np.ndarray] = []
        self._tmp: np.ndarray | None = None
        self._k12: np.ndarray | None = None  # (R, P) provocation-cycle utility of every test action this step

    def _level_buffer(self, i: int, R: int, P: int) -> np.ndarray:
        """The ``i``-th (R, P) float32 scratch array of the choice step, allocated once per run."""
        while len(self._levels) <= i:
            self._levels.append(np.empty((R, P), np.float32))
        return self._levels[i]

    def _block_sum(self, x: np.ndarray) -> np.ndarray:
        """Per-block sums over the lanes that are real replicates: (blocks, …)."""
        w = self.lane_weight.reshape((-1,) + (1,) * (x.ndim - 1))
        return (x.astype(np.float64) * w).reshape(len(self.rngs), BLOCK, *x.shape[1:]).sum(1)

    def _draw(self, kind: str, shape: tuple[int, ...]) -> np.ndarray:
        out = np.empty((self.R, *shape), np.float32)
        for b, g in enumerate(self.rngs):
            # Each block fills its own rows from its own stream (same numbers as a separate draw).
            rows = out[b * BLOCK : (b + 1) * BLOCK]
            if kind == "u":
                g.random(dtype=np.float32, out=rows)
            else:
                g.standard_normal(dtype=np.float32, out=rows)
        return out

    def run(self) -> dict[str, np.ndarray]:  # noqa: C901 - one loop over steps, kept together for speed
        m = self.m
        c0 = m.phases[0].compiled
        R, H = self.R, m.horizon
        P, N, K = len(c0.pairs), len(c0.actors), len(c0.issues)
        C = len(c0.channels)
        A = len(c0.action_names)
        src, dst, rev = c0.pairs[:, 0], c0.pairs[:, 1], c0.reverse
        n_out = len(c0.outcomes)
        n_veto = max(1, len(c0.named_veto))
        f32 = np.float32

        # State.
        T = np.broadcast_to(c0.tension0[src, dst].astype(f32), (R, P)).copy()
        pos = np.broadcast_to(c0.pos0.astype(f32), (R, K, N)).copy()
        pos_start = pos.copy()
        sq = np.broadcast_to(c0.sq0.astype(f32), (R, K)).copy()
        mil = np.ones((R, N), f32)
        econ = np.ones((R, N), f32)
        rep = np.zeros((R, N), f32)
        chan = np.broadcast_to(c0.chan_state0.astype(f32), (R, C)).copy()
        last = np.zeros((R, P), np.int64)
        self.k17_deter = np.zeros((R, P), f32)
        # Step of each actor's latest provocation (nuclear test, ICBM or satellite launch) not yet
        # answered by a sanctions resolution; far in the past at the start.
        last_prov = np.full((R, N), -10_000, np.int32)
        # Dyads at war (both directions): at war on the as-of date, or since a use of force between
        # rivals; a ceasefire ends the war (hazard engine.war_termination), a new use of force resumes it.
        at_war = np.broadcast_to(c0.at_war[src, dst], (R, P)).copy()
        war_dyad = c0.rivals[src, dst].copy()
        # Months each war has lasted (as-of wars: since their UCDP episode start); the dyads that can be
        # at war, by their lower pair (i < j).
        age0 = c0.war_age[src, dst] if c0.war_age.size else np.zeros(P)
        war_age = np.broadcast_to(np.where(c0.at_war[src, dst], age0, 0.0).astype(f32), (R, P)).copy()
        war_lo = np.flatnonzero((war_dyad | c0.at_war[src, dst]) & (src < dst))
        z_res = self._draw("n", (P,))
        # Veto stances, drawn once per run (a persistent posture, not a fresh coin for every draft): a
        # draft of veto-bound event k is vetoed when the stance u_veto[r, k] is below its veto probability.
        u_veto = self._draw("u", (n_veto,))

        # Records.
        step_dtype: type[np.signedinteger[Any]] = np.int8 if H < 127 else np.int16
        pair_first = np.full((R, P, len(TYPES)), -1, step_dtype)
        out_count = np.zeros((R, n_out), np.int32)
        out_first = np.full((R, n_out), -1, step_dtype)
        war_first = np.full(R, -1, step_dtype)
        acc_first = np.full(R, -1, step_dtype)
        settle_first = np.full(R, -1, step_dtype)
        peaks = np.full((R, H), -1, np.int8)
        coop_peaks = np.full((R, H), -1, np.int8)
        tension_rec = np.zeros((R, H + 1, P), np.float16)
        sq_rec = np.zeros((R, H + 1, K), f32)
        rep_rec = np.zeros((R, H + 1, N), np.float16)
        mil_rec = np.zeros((R, H + 1, N), np.float16)
        econ_rec = np.zeros((R, H + 1, N), np.float16)
        apos_sum = np.zeros((len(self.rngs), H + 1, K, N), np.float64)
        tension_rec[:, 0] = T
        sq_rec[:, 0] = sq
        rep_rec[:, 0] = rep
        mil_rec[:, 0] = mil
        econ_rec[:, 0] = econ
        apos_sum[:, 0] = self._block_sum(pos)

        pair_offsets = (np.arange(P) * A)[None, :]
        # Sums over pairs by acting or receiving actor (segment sums: no BLAS threads in the hot loop).
        by_src = _Agg(src, N)
        by_dst = _Agg(dst, N)
        pair_flat = (np.arange(P) * len(TYPES))[None, :]
        rep_idx = (np.arange(R) * P * len(TYPES))[:, None]
        rival_pair = c0.rivals[src, dst]
        rival_idx = np.flatnonzero(rival_pair) if rival_pair.any() else np.arange(P)
        # A war is a use of force between rivals not already at war on the as-of date.
        new_war_pair = rival_pair & ~c0.at_war[src, dst]
        # Principal rivalries: rival dyads tense at the start (≥ 0.5 either way); else every rivalry.
        t0 = c0.tension0[src, dst]
        principal = rival_pair & ((t0 >= 0.5) | (t0[rev] >= 0.5))
        if not principal.any():
            principal = rival_pair.copy() if rival_pair.any() else np.ones(P, bool)
        if not rival_pair.any():
            rival_pair = np.ones(P, bool)
        a_assault = _T[EventType.ASSAULT]

        phase_i = 0
        ph = m.phases[0]
        st = _Static(ph.compiled, m)
        res_for: _Static | None = None
        res_half = np.zeros((R, P))
        prev_chan_state0 = c0.chan_state0.copy()
        for t in range(H):
            while t >= ph.end:
                phase_i += 1
                ph = m.phases[phase_i]
                st = _Static(ph.compiled, m)
                changed = ph.compiled.chan_state0 != prev_chan_state0
                if changed.any():
                    chan[:, changed] = ph.compiled.chan_state0[changed]
                prev_chan_state0 = ph.compiled.chan_state0.copy()
            cp = ph.compiled
            prm = cp.params
            mech = cp.mech
            # Random numbers for this step: fixed shapes, fixed order (common random numbers).
            u_choice = self._draw("u", (P,))
            z_perc = self._draw("n", (P,))
            u_acc = self._draw("u", (P,))
            u_chan = self._draw("u", (max(1, C),))
            u_misc = self._draw("u", (4,))

            sat = prm["tension_saturation"]
            if res_for is not st:
                # Misjudged resolve is drawn once per run: fixed within a phase.
                res_half = 0.5 + cp.resolve[dst] * np.exp(prm["resolve_noise"] * z_res)
                res_for = st
            h, q, w, Ts, cap = _drives(st, T, pos, mil, econ, last, z_perc, res_half, at_war, self.k17_deter)

            # Utilities: intercept + λ·(c·h − c²·w) for military conflict (MOBILIZE, COERCE, ASSAULT and
            # their named events), λ·c·h for other conflict, λ·k·q for cooperation, + bonuses.
            # NOTE: loops over actions on (R, P) slices; an (R, P, A) layout is ~20× slower in numpy.
            lam = prm["rationality"]
            dyn: dict[int, dict[int, np.ndarray]] = {}
            self._dynamic_bonus(dyn, st, t, T, last, pos, sq, Ts, rep)
            follow = self._k15_want(st, last)
            # A sanctions resolution answers a provocation by its target within the window (if any).
            provoked = (t - last_prov) <= prm["provocation_window"] if cp.triggered else None
            if self.m.fixed is not None:
                act = np.broadcast_to(self.m.fixed, (R, P)).copy()
            else:
                trig = None
                if provoked is not None:
                    trig = ([(a, st.avail_pairs[a]) for a, _ in cp.triggered], provoked, prm["resolution_hazard"])
                peace = None
                if len(st.boost_pairs) and not at_war[:, st.boost_pairs].all():
                    # After a ceasefire an as-of war dyad uses force at the peacetime rate again.
                    peace = (st.boost_pairs, st.boost, ~at_war[:, st.boost_pairs])
                act = self._choose(st, t, lam, h, q, w, dyn, follow, chan, u_choice, trig, peace)
            # A tabled resolution answers its target's provocation, adopted or vetoed (a vetoed draft is
            # not tabled again for the same provocation).
            tabled = {a: act[:, st.avail_pairs[a]] == a for a, _ in cp.triggered}
            # Vetoes in organisations (a blocked resolution does not happen).
            for k, (a, vetoers) in enumerate(cp.named_veto):
                ps = st.avail_pairs[a]
                chosen = act[:, ps] == a
                if not chosen.any() or len(vetoers) == 0:
                    continue
                pv = self._veto_probability(cp, st, a, vetoers, T, sat, ps)  # (R, |ps|, V)
                # Π(1 − pv) over the veto members, multiplied in order (as np.prod does).
                keep = 1.0 - pv[:, :, 0]
                for v_ in range(1, pv.shape[-1]):
                    keep *= 1.0 - pv[:, :, v_]
                block = 1.0 - keep
                veto_cap = dict(cp.triggered).get(a)
                if provoked is not None and veto_cap is not None:
                    # The record: resolutions answering a test pass (China and Russia vote yes); without
                    # a provocation a veto member friendly to the target blocks them.
                    dst_ps = dst[ps]
                    friendly = np.array(
                        [any(cp.affinity[v, j] + cp.obligation[v, j] > 0 and v != j for v in vetoers) for j in dst_ps]
                    )
                    recent = provoked[:, dst_ps]
                    block = np.where(
                        recent,
                        np.float32(veto_cap),
                        np.where(friendly[None, :], np.maximum(block, prm["veto_unprovoked"]), block),
                    )
                vetoed = chosen & (u_veto[:, k : k + 1] < block)
                sub = act[:, ps]
                sub[vetoed] = 0
                act[:, ps] = sub
            # War termination: each dyad at war agrees a ceasefire with probability war_termination a
            # month, and both sides emit it (the scenario's ceasefire event). Its uniform is u_acc of the
            # dyad's upper pair, which accidents never read (they draw on the lower pair only), so the
            # other random numbers stay as they were (hazard 0 gives the old results exactly).
            # Each dyad's law is that of its reference class of comparable wars (cp.war_h, cp.war_k).
            hz_lo = cp.war_h[war_lo] if len(cp.war_h) else np.zeros(len(war_lo))
            if len(war_lo) and (hz_lo > 0).any() and at_war[:, war_lo].any():
                aw = at_war[:, war_lo]
                k_lo = cp.war_k[war_lo].astype(np.float64)
                hz64 = hz_lo.astype(np.float64)
                if (k_lo == 1.0).all():
                    p_cf: np.ndarray = (hz64 if cp.dt == 1.0 else 1.0 - (1.0 - hz64) ** cp.dt).astype(f32)[None, :]
                else:
                    # Weibull durations: a war aged a months ends in the next step of Δ months with
                    # 1 − (1 − h)^((a+Δ)^k − a^k) (Δ = 1 for monthly steps).
                    age_m = war_age[:, war_lo].astype(np.float64)
                    p_cf = (1.0 - (1.0 - hz64) ** ((age_m + cp.dt) ** k_lo - age_m**k_lo)).astype(f32)
                cf_lo = aw & (u_acc[:, rev[war_lo]] < p_cf)
                if cf_lo.any():
                    cf = np.zeros((R, P), bool)
                    cf[:, war_lo] = cf_lo
                    cf[:, rev[war_lo]] = cf_lo
                    act = np.where(cf, cp.ceasefire[None, :], act)
                    at_war &= ~cf
            # Accidents (accidental-escalation): concurrent military activity in a dyad, damped by channels.
            milact = st.military32[act]
            # Pairs that share an active channel (channel states are 0 or 1; no BLAS call in the step).
            chan_between = np.zeros((R, P), bool)
            for c in range(C):
                if st.chan_pair[c].any():
                    chan_between |= (chan[:, c] > 0.5)[:, None] & st.chan_pair[c][None, :]
            accident = np.zeros((R, P), bool)
            if "accidental-escalation" in mech:
                activity = milact + _cols(milact, rev)
                p_acc = 1.0 - (1.0 - mech["accidental-escalation"]["rate"]) ** activity
                p_acc *= 1.0 - mech["accidental-escalation"]["channel_damping"] * chan_between
                hit = (u_acc < p_acc) & st.lower_pair[None, :]
                if hit.any():
                    # The side with military activity fires; if both, the lower-index actor.
                    first_side = hit & (milact > 0)
                    other = hit & ~first_side
                    accident = first_side | _cols(other, rev)
                    # The accident is the scenario's clash event (an outcome on it counts it), type ASSAULT.
                    act = np.where(accident, cp.accident[None, :], act)
            # engineered-pretext engineered pretexts raise the engineer's hostility.
            incident = np.zeros(R, bool)
            if "engineered-pretext" in mech and st.k13 is not None:
                p13 = st.k13
                incident = u_misc[:, 0] < mech["engineered-pretext"]["rate"] * T[:, p13]
            step = t + 1
            if cp.triggered:
                # A tabled resolution answers its target's provocation; a new provocation starts the clock.
                for a, _ in cp.triggered:
                    ps = st.avail_pairs[a]
                    if tabled[a].any():
                        cols = last_prov[:, dst[ps]]
                        cols[tabled[a]] = -10_000
                        last_prov[:, dst[ps]] = cols
                if len(cp.provocations):
                    tested = by_src(np.isin(act, cp.provocations).astype(f32)) > 0
                    last_prov[tested] = t
            # Effects of the actions ---------------------------------------------------------------
            Cf = st.conflict32[act]
            Kc = st.coop32[act]
            atype = cp.action_type[act]
            is_threat = atype == TYPES.index(EventType.THREATEN)
            if "bluff-credibility" in mech:
                Cf = np.where(is_threat, Cf * mech["bluff-credibility"]["credibility"], Cf)
            else:
                Cf = np.where(is_threat, Cf * cp.resolve[src][None, :], Cf)
            decay = st.decay[None, :] + prm["channel_damping"] * chan_between
            if "back-channel" in mech and st.k16 is not None:
                p16, client = st.k16
                consults = (atype[:, p16] == TYPES.index(EventType.CONSULT)).astype(f32)
                decay[:, st.src_is[client]] += (mech["back-channel"]["restraint"] * consults)[:, None]
            decay = np.minimum(decay, 1.0)
            relief = prm["relief"] * _cols(Kc, rev) * st.relief_boost[None, :]
            Tn2 = (1.0 - decay) * T + st.reaction[None, :] * _cols(T, rev) + st.grievance[None, :]
            Tn2 += prm["impulse"] * _cols(Cf, rev) - relief
            if st.is_test.any():
                # A weapons test alarms every actor, not only the one it is coded against (half weight).
                tested = by_src(st.is_test[act] * Cf)  # (R, N) conflict of tests by each actor
                Tn2 += 0.5 * prm["impulse"] * _cols(tested, dst)
            if "theatre-linkage" in mech:
                # link[i→j] = Σ_k partners[i, k]·T[k→j]
                link = st.link_sum(Ts)
                Tn2 += mech["theatre-linkage"]["linkage"] * link
            if "relief-spillover" in mech:
                e13 = mech["relief-spillover"]
                spill = e13["spillover"] * (1.0 - e13["decoupling"])
                if spill > 0 and P > 2:
                    # Mean cooperation in the other dyads relieves this one (crises resolving together).
                    total = Kc.sum(1, keepdims=True)
                    Tn2 -= spill * (total - Kc - _cols(Kc, rev)) / (P - 2)
            if incident.any():
                Tn2[:, st.k13] += mech["engineered-pretext"]["impulse"] * incident
            np.maximum(Tn2, 0.0, out=Tn2)
            # Positions: coercion, persuasion, concession (coercion-limit limits how far coercion moves a target).
            if K:
                capratio = _cols(cap, src) / (_cols(cap, src) + _cols(cap, dst))
                pull = prm["coerce_rate"] * Cf * capratio * (1.0 - cp.resolve[dst])[None, :]
                pull += prm["persuade_rate"] * Kc
                conc = st.is_concession[act].astype(f32)
                pull += prm["concede_rate"] * _cols(conc, rev)
                if "contested-alignment" in mech and st.e02 is not None:
                    for p in st.e02:
                        pull[:, p] += mech["contested-alignment"]["pull"] * Kc[:, p]
                np.minimum(pull, 1.0, out=pull)
                d = _cols(pos, src) - _cols(pos, dst)
                contrib = pull[:, None, :] * d * (1.0 - 0.5 * cp.sal[:, dst])[None]
                old_pos = pos
                pos = pos + by_dst(contrib)
                if "coercion-limit" in mech:
                    lim = mech["coercion-limit"]["limit"]
                    for tgt in st.sanction_targets:
                        pos[:, :, tgt] = np.clip(pos[:, :, tgt], pos_start[:, :, tgt] - lim, pos_start[:, :, tgt] + lim)
                if "talks-activation" in mech and C:
                    for c in range(C):
                        if not cp.chan_members[c].any():
                            continue
                        on = chan[:, c][:, None, None]
                        mem = cp.chan_members[c][None, None, :]
                        pos = pos + mech["talks-activation"]["roadmap"] * on * mem * (sq[:, :, None] - pos)
                np.clip(pos, 0.0, 1.0, out=pos)
                weight = cap[:, None, :] * cp.sal[None]
                target_sq = (weight * pos).sum(-1) / np.maximum(weight.sum(-1), 1e-9)
                sq = sq + prm["status_quo_rate"] * (target_sq - sq)
                if "de-facto-recognition" in mech and st.k02 is not None and cp.nuclear_issue >= 0:
                    agree_pairs = st.k02
                    n_agree = (atype[:, agree_pairs] == TYPES.index(EventType.AGREE)).sum(1)
                    k = cp.nuclear_issue
                    nuc = st.k02_actor
                    sq[:, k] += (1 - (1 - mech["de-facto-recognition"]["recognition"]) ** n_agree) * (pos[:, k, nuc] - sq[:, k])
                if "contested-alignment" in mech and st.e02_alarm is not None:
                    contested, k, leaders = st.e02_alarm
                    moved = pos[:, k, contested] - old_pos[:, k, contested]
                    pa = cp.pair_index[leaders[0], leaders[1]]
                    pb = cp.pair_index[leaders[1], leaders[0]]
                    # Moving towards leader 0's side alarms leader 1, and vice versa.
                    toward0 = np.sign(pos_start[:, k, leaders[0]] - pos_start[:, k, contested])
                    if pb >= 0:
                        Tn2[:, pb] += mech["contested-alignment"]["alarm"] * np.maximum(moved * toward0, 0)
                    if pa >= 0:
                        Tn2[:, pa] += mech["contested-alignment"]["alarm"] * np.maximum(-moved * toward0, 0)
            T = Tn2
            # Capacities: sanctions bite (multilateral-sanctions/secondary-sanctions), aid (alignment-support), build-up (military-buildup), power transition (power-transition).
            for regime, tgt, _enf, pres, inten in cp.sanctions:
                mid = "multilateral-sanctions" if regime == "multilateral" else "secondary-sanctions"
                if mid in mech:
                    econ[:, tgt] *= 1.0 - mech[mid]["bite"] * inten
                    econ[:, _enf] *= 1.0 - mech[mid]["enforcer_cost"] * inten
                    if mid == "secondary-sanctions" and len(pres):
                        econ[:, pres] *= 1.0 - mech["secondary-sanctions"]["compliance_cost"] * inten
            sanc = (atype == TYPES.index(EventType.SANCTION)).astype(f32)
            if "multilateral-sanctions" in mech:
                econ *= 1.0 - mech["multilateral-sanctions"]["bite"] * by_dst(sanc)
            if "alignment-support" in mech:
                aid = (atype == TYPES.index(EventType.AID)).astype(f32)
                econ += mech["alignment-support"]["aid_value"] * by_dst(aid)
            if "military-buildup" in mech and st.e08 is not None:
                mil[:, st.e08] *= 1.0 + mech["military-buildup"]["growth"]
            if "power-transition" in mech and len(st.e14) == 2:
                mil[:, st.e14[1]] *= 1.0 + mech["power-transition"]["growth"]
                econ[:, st.e14[1]] *= 1.0 + mech["power-transition"]["growth"]
                mil[:, st.e14[0]] *= 1.0 - mech["power-transition"]["decline"]
            np.clip(econ, 0.05, 2.0, out=econ)
            # Standing with the audience (evasion-accusations, reputation-trap).
            material = cp.conflict[act] * (atype >= TYPES.index(EventType.PROTEST))
            rep -= prm["reputation_rate"] * by_src(material.astype(f32))
            if "reputation-trap" in mech and st.k14 is not None:
                p_to, p_from = st.k14
                trapped = src[p_to]
                rep[:, trapped] -= mech["reputation-trap"]["support_cost"] * Kc[:, p_to] + mech["reputation-trap"]["abandon_cost"] * Cf[:, p_to]
            if "evasion-accusations" in mech and st.k08:
                acc = atype == TYPES.index(EventType.ACCUSE)
                for p in st.k08:
                    rep[:, dst[p]] -= mech["evasion-accusations"]["discredit"] * acc[:, p]
            # Channels: erosion (channel-erosion) and activation of proposed talks (talks-activation).
            if C:
                for c in range(C):
                    members = np.flatnonzero(cp.chan_members[c])
                    if "channel-erosion" in mech:
                        cp_pairs = st.chan_pair[c]
                        mean_t = T[:, cp_pairs].mean(1) if cp_pairs.any() else np.zeros(R, f32)
                        erode = (chan[:, c] > 0.5) & (u_chan[:, c] < mech["channel-erosion"]["erosion"] * mean_t)
                        chan[erode, c] = 0.0
                    if "talks-activation" in mech and cp.chan_proposed[c] and st.k19_pairs and (chan[:, c] < 0.5).any():
                        promoted = np.zeros(R, bool)
                        for p in st.k19_pairs:
                            if dst[p] in members:
                                promoted |= atype[:, p] == TYPES.index(EventType.CONSULT)
                        opened = (chan[:, c] < 0.5) & promoted & (u_chan[:, c] < mech["talks-activation"]["activation"])
                        chan[opened, c] = 1.0
            # Records ----------------------------------------------------------------------------
            valid = atype >= 0
            idx = rep_idx + pair_flat + np.where(valid, atype, 0)
            flat = pair_first.reshape(-1)
            sel = idx[valid]
            unset = flat[sel] < 0
            flat[sel[unset]] = step
            if n_out:
                # Per outcome, look up only the pairs it can match (a handful of the P pairs).
                for o, ps in enumerate(st.outcome_pairs):
                    if len(ps):
                        hit = st.outcome_flat[o][pair_offsets[:, ps] + act[:, ps]]
                        out_count[:, o] += hit.sum(1, dtype=np.int32)
                newly = (out_count >= cp.outcome_min[None, :]) & (out_first < 0)
                out_first[newly] = step
            assault = (act == a_assault) | (atype == TYPES.index(EventType.ASSAULT))
            war_now = (assault & new_war_pair[None, :]).any(1)
            war_age += at_war * np.float32(cp.dt)  # a step more (in months) for every war that lasted through it
            onset = assault & war_dyad[None, :]
            onset |= _cols(onset, rev)
            war_age[onset & ~at_war] = 0.0  # a new war (or a relapse) starts its clock
            at_war |= onset
            war_first[(war_first < 0) & war_now] = step
            acc_now = (accident & new_war_pair[None, :]).any(1)
            acc_first[(acc_first < 0) & acc_now] = step
            calm = (T < SETTLE_TENSION) & (_cols(T, rev) < SETTLE_TENSION)
            settle_now = ((atype == TYPES.index(EventType.AGREE)) & principal[None, :] & calm).any(1)
            settle_first[(settle_first < 0) & settle_now] = step
            # The most conflictual and the most cooperative event among rival dyads this step.
            scores = st.score[act[:, rival_idx]]
            rt = atype[:, rival_idx]
            rows = np.arange(R)
            lo_i = scores.argmin(1)
            hi_i = scores.argmax(1)
            peaks[:, t] = np.where(scores[rows, lo_i] < 0, rt[rows, lo_i], -1)
            coop_peaks[:, t] = np.where(scores[rows, hi_i] > 0, rt[rows, hi_i], -1)
            # float16 storage keeps 100k-run results small; it saturates at 6e4 (a diverged race).
            tension_rec[:, step] = np.minimum(T, 6.0e4)
            sq_rec[:, step] = sq
            rep_rec[:, step] = rep
            mil_rec[:, step] = mil
            econ_rec[:, step] = econ
            apos_sum[:, step] = self._block_sum(pos)
            last = act
            self._after_step(st, act, atype, Cf)
        return {
            "pair_first": pair_first,
            "outcome_first": out_first,
            "war_first": war_first,
            "accident_first": acc_first,
            "settlement_first": settle_first,
            "peaks": peaks,
            "coop_peaks": coop_peaks,
            "tension": tension_rec,
            "status_quo": sq_rec,
            "reputation": rep_rec,
            "military": mil_rec,
            "economic": econ_rec,
            "actor_positions_sum": apos_sum,
        }

    # -- helpers --------------------------------------------------------------------------------

    def _veto_probability(
        self, cp: Compiled, st: _Static, a: int, vetoers: np.ndarray, T: np.ndarray, sat: float, ps: np.ndarray
    ) -> np.ndarray:
        """(R, len(ps), V) probability that each veto member blocks action ``a`` on pairs ``ps``.

        A member blocks a conflictual resolution against a target it is friendly to, and a cooperative
        one towards a target it is hostile to: friendliness = affinity + ½·obligation − 2·hostility.
        """
        R = T.shape[0]
        dst = cp.pairs[ps, 1]
        src = cp.pairs[ps, 0]
        sign = 1.0 if cp.conflict[a] > 0 else -1.0
        out = np.zeros((R, len(ps), len(vetoers)), np.float32)
        for k, v in enumerate(vetoers):
            pv_t = cp.pair_index[v, dst]
            host_t = np.where(pv_t >= 0, _sat(T[:, np.maximum(pv_t, 0)], sat), 0.0)
            friend = cp.affinity[v, dst] + 0.5 * cp.obligation[v, dst] - 2.0 * host_t
            pv = _sigmoid(3.0 * sign * friend - 1.5)
            pv = np.where(dst == v, 1.0, np.where(src == v, 0.0, pv))
            out[:, :, k] = pv
        if "coordination" in cp.mech and len(st.k15) == 2:
            ks = [k for k, v in enumerate(vetoers) if v in st.k15]
            if len(ks) == 2:
                both = np.maximum(out[:, :, ks[0]], out[:, :, ks[1]])
                out[:, :, ks[0]] = both
                out[:, :, ks[1]] = both
        return out

    def _dynamic_bonus(
        self,
        dyn: dict[int, dict[int, np.ndarray]],
        st: _Static,
        t: int,
        T: np.ndarray,
        last: np.ndarray,
        pos: np.ndarray,
        sq: np.ndarray,
        sh: np.ndarray,
        rep: np.ndarray,
    ) -> None:
        cp = st.cp
        mech = cp.mech
        R, P = T.shape

        def add(a: int, ps: Iterable[int], v: np.ndarray) -> None:
            """Add the per-replicate bonus ``v`` (R,) to action ``a`` of each pair in ``ps``."""
            cols = dyn.setdefault(a, {})
            v = np.asarray(v, np.float32)
            for p in ps:
                p = int(p)
                cols[p] = cols[p] + v if p in cols else v

        # provocation-cycle: a nuclear actor tests more the more hostility it perceives (provocation).
        # It is the same for all the tester's test actions and targets: one (R, P) array, not entries.
        self._k12 = None
        if "provocation-cycle" in mech and len(cp.test_actions):
            bonus = np.zeros((R, P), np.float32)
            for ps, felt0 in st.k12_testers:
                # Provocation: the tester's own anger (its strongest hostility, which pressure received
                # raises at once) beyond its level at the start.
                felt = sh[:, ps].max(1) - felt0
                bonus[:, ps] = (np.float32(mech["provocation-cycle"]["provocation"]) * felt)[:, None]
            self._k12 = bonus
        # alliance-discipline: the senior presses a junior that cooperates with the senior's rivals.
        if "alliance-discipline" in mech:
            for p_sj, p_list in st.k04_watch:
                coop = np.zeros(T.shape[0], np.float32)
                for p in p_list:
                    coop += cp.coop[last[:, p]]
                for a in (_T[EventType.REQUEST], _T[EventType.THREATEN]):
                    add(a, (p_sj,), coop)
        # mediation: last month's contacts warm the two parties' cooperation.
        if "mediation" in mech and st.k18 is not None:
            contacts, parties = st.k18
            n = np.zeros(T.shape[0], np.float32)
            for p in contacts:
                n += last[:, p] == _T[EventType.CONSULT]
            for p in parties:
                for tt in _COOP_CORE:
                    add(_T[tt], (p,), mech["mediation"]["warmth"] * n)
        # red-line: force once the red line is crossed.
        if "red-line" in mech and st.e03 is not None:
            p, k, holder_pos, crosser_pos = st.e03
            # How far the status quo has moved from the holder's position towards the crosser's.
            share = (sq[:, k] - holder_pos) / (crosser_pos - holder_pos)
            crossed = share > mech["red-line"]["red_line"]
            for tt in (EventType.MOBILIZE, EventType.COERCE, EventType.ASSAULT):
                add(_T[tt], (p,), mech["red-line"]["jump"] * crossed)
        # counter-pressure: each warning makes force against the protégés costlier (state kept on _Static).

    def _k15_want(self, st: _Static, last: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
        """coordination: (pairs, action each pair is drawn to repeat, bonus) from the partner's last action."""
        mech = st.cp.mech
        if "coordination" not in mech or not st.k15_follow:
            return None
        me = np.array([a for a, _ in st.k15_follow])
        partner = np.array([b for _, b in st.k15_follow])
        return me, last[:, partner], mech["coordination"]["coordination"]

    def _choose(
        self,
        st: _Static,
        t: int,
        lam: float,
        h: np.ndarray,
        q: np.ndarray,
        w: np.ndarray,
        dyn: dict[int, dict[int, np.ndarray]],
        follow: tuple[np.ndarray, np.ndarray, float] | None,
        chan: np.ndarray,
        u: np.ndarray,
        trig: tuple[list[tuple[int, np.ndarray]], np.ndarray, float] | None = None,
        peace: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Draw each pair's action from the logit choice probabilities (inverse CDF, one uniform).

        ``trig`` = (triggered actions with their pairs, (R, N) provoked targets, hazard): where the pair's
        target provoked, the action's probability is set to the hazard (its weight becomes
        hazard/(1 − hazard) × the other actions' total). ``peace`` = (pairs, log-odds, (R, pairs) mask):
        where the mask holds, the pair's ASSAULT loses its at-war boost (a dyad whose war has ended).
        """
        cp = st.cp
        R, P = h.shape
        A = len(cp.action_names)
        base = st.intercept + (0.0 if math.isinf(lam) else lam) * st.bonus_at(t) + st.ramp_at(t)  # (P, A)
        chan_ok = {a: (chan[:, c] > 0.5)[:, None] & st.chan_pair[c][None, :] for a, c in cp.named_channel}
        cache: dict[tuple[float, float, bool], np.ndarray] = {}

        def systematic(a: int) -> np.ndarray:
            c, k = float(cp.conflict[a]), float(cp.coop[a])
            mil = bool(cp.military[a])
            if st.is_test[a]:
                # A weapons test is no attack: its rate is fitted at the initial state and moves only
                # with the hostility the tester feels (provocation-cycle), not with the cost of war.
                c, k = 0.0, 0.0
            key = (c, k, mil)
            if key not in cache:
                c32, k32 = np.float32(c), np.float32(k)
                if c > 0 and mil:
                    x = w * (-c32 * c32)
                    x += c32 * h
                    cache[key] = x
                elif c > 0:
                    # War cost weighs on military actions only: words and sanctions risk no war.
                    cache[key] = c32 * h
                elif k > 0:
                    cache[key] = k32 * q
                else:
                    cache[key] = np.zeros((R, P), np.float32)
            return cache[key]

        def extra(a: int, x: np.ndarray, scale: float = 1.0) -> np.ndarray:
            """Add ``scale`` × the dynamic bonuses of action ``a`` to ``x`` (a fresh array), in place."""
            for p, v in dyn.get(a, {}).items():
                x[:, p] += np.float32(scale) * v
            if self._k12 is not None and st.is_test[a]:
                x += np.float32(scale) * self._k12
            if follow is not None:
                me, want, bonus = follow
                hit = want == a
                if hit.any():
                    x[:, me] += np.float32(scale * bonus) * hit
            return x

        if math.isinf(lam):
            finite = np.isfinite(base)
            tie = np.where(finite, 1e-6 * np.where(finite, base, 0.0), -np.inf).astype(np.float32)
            best = np.full((R, P), -np.inf, np.float32)
            act = np.zeros((R, P), np.int64)
            for a in range(A):
                if not finite[:, a].any():
                    continue
                x = extra(a, systematic(a) + st.bonus_at(t)[:, a]) + tie[:, a]  # fresh array
                if peace is not None and a == _T[EventType.ASSAULT]:
                    x[:, peace[0]] -= np.where(peace[2], peace[1][None, :], 0.0).astype(np.float32)
                if a in chan_ok:
                    x = np.where(chan_ok[a], x, -np.inf)
                better = x > best
                best = np.where(better, x, best)
                act[better] = a
            return act
        S = np.ascontiguousarray(np.exp(base).astype(np.float32).T)  # (A, P), 0 where unavailable
        avail: np.ndarray = np.asarray(S.any(1))
        # One buffer for the whole run: a fresh (A, R, P) array each step costs page faults.
        if self._buffer is None or self._buffer.shape != (A, R, P):
            self._buffer = np.empty((A, R, P), np.float32)
        E = self._buffer
        lam32 = np.float32(lam)
        top = np.float32(60.0)
        # Actions of one (conflict, cooperation) level share exp(λ·U): one exp per level and step.
        tmp = self._tmp if self._tmp is not None and self._tmp.shape == (R, P) else np.empty((R, P), np.float32)
        self._tmp = tmp
        h_max, q_max = float(h.max()), float(q.max())
        level_exp: dict[tuple[float, float, bool, bool], np.ndarray | None] = {}
        for a in range(A):
            Ea = E[a]
            if not avail[a]:
                Ea.fill(0.0)
                continue
            key = (float(cp.conflict[a]), float(cp.coop[a]), bool(st.is_test[a]), bool(cp.military[a]))
            if key not in level_exp:
                c, k, test, mil = key
                if test and self._k12 is not None:  # U = the provocation-cycle provocation term
                    x = self._level_buffer(len(level_exp), R, P)
                    np.multiply(self._k12, lam32, out=x)
                    np.minimum(x, top, out=x)
                    level_exp[key] = np.exp(x, out=x)
                elif test or (c == 0.0 and k == 0.0):
                    level_exp[key] = None  # U = 0: exp(λ·U) = 1
                else:
                    x = self._level_buffer(len(level_exp), R, P)
                    if c > 0:  # λ·(c·h − c²·w) for military actions, λ·c·h for the others
                        np.multiply(h, np.float32(lam * c), out=x)
                        if mil:
                            np.multiply(w, np.float32(-lam * c * c), out=tmp)
                            x += tmp
                        if lam * c * h_max > 60.0:  # U ≤ c·h: clip only when it could overflow
                            np.minimum(x, top, out=x)
                    else:  # λ·k·q
                        np.multiply(q, np.float32(lam * k), out=x)
                        if lam * k * q_max > 60.0:
                            np.minimum(x, top, out=x)
                    level_exp[key] = np.exp(x, out=x)
            le = level_exp[key]
            if le is None:
                Ea[...] = S[a]
            else:
                np.multiply(le, S[a], out=Ea)
        # Dynamic bonuses touch a few pairs: exp(λ·(U + b)) = exp(λ·U)·exp(λ·b), on those columns only.
        entries = [(a, p, v) for a, cols in dyn.items() if avail[a] for p, v in cols.items()]
        if entries:
            ia = np.array([e[0] for e in entries])
            ip = np.array([e[1] for e in entries])
            b = np.stack([e[2] for e in entries], axis=1)  # (R, entries); (action, pair) unique
            flat = E.reshape(-1)  # a view: flat index a·R·P + r·P + p
            lane = (np.arange(R) * P)[:, None]
            idx = lane + (ia * (R * P) + ip)[None, :]
            flat[idx] *= np.exp(np.minimum(lam32 * b, top))
        if follow is not None:
            me, want, bonus = follow
            # coordination: each following pair's bonus applies to the one action its partner took last month.
            flat = E.reshape(-1)
            idx = want * (R * P) + (np.arange(R) * P)[:, None] + me[None, :]
            flat[idx] *= np.float32(math.exp(min(lam * bonus, 60.0)))
        for a, ok in chan_ok.items():
            E[a] *= ok
        if peace is not None:
            ps, boost, mask = peace
            a_as = _T[EventType.ASSAULT]
            E[a_as][:, ps] *= np.where(mask, np.exp(-boost)[None, :], 1.0).astype(np.float32)
        # Inverse CDF: the action is the number of cumulative weights below u × total. Two passes of
        # row adds in action order (the same sums as a cumulative sum, bit for bit): the total, then
        # the running sum compared with u × total row by row, counted in cache-sized (R, P) arrays.
        # (numpy's cumsum along the first axis is ~20× slower than these row adds.)
        if A == 1:
            return np.zeros((R, P), np.int64)
        acc = self._level_buffer(0, R, P)  # the level buffers are free once E is built
        np.add(E[0], E[1], out=acc)
        for a in range(2, A):
            np.add(acc, E[a], out=acc)
        if trig is not None:
            acts, provoked, hazard = trig
            odds = np.float32(min(hazard, 0.999) / (1.0 - min(hazard, 0.999)))
            total: np.ndarray | None = None
            touched: list[np.ndarray] = []
            for a, ps in acts:
                if not len(ps):
                    continue
                mask = provoked[:, cp.pairs[ps, 1]]
                if not mask.any():
                    continue
                if total is None:
                    total = acc.copy()  # = E.sum(0): numpy sums the first axis row by row, in order
                old = E[a][:, ps]
                new = np.where(mask, (total[:, ps] - old) * odds, old)
                total[:, ps] += new - old
                E[a][:, ps] = new
                touched.append(ps)
            if touched:
                # The total again on the columns the triggered actions changed, in the same order.
                cols = np.unique(np.concatenate(touched))
                sub = E[0][:, cols] + E[1][:, cols]
                for a in range(2, A):
                    sub += E[a][:, cols]
                acc[:, cols] = sub
        if cp.dt != 1.0:
            _per_step_choice(E, acc, cp.dt)
        thresh = u * acc
        np.copyto(acc, E[0])
        below = np.empty((R, P), bool)
        count = np.less(acc, thresh).view(np.uint8)
        for a in range(1, A - 1):
            np.add(acc, E[a], out=acc)
            np.less(acc, thresh, out=below)
            count += below.view(np.uint8)
        return count.astype(np.int64)

    def _after_step(self, st: _Static, act: np.ndarray, atype: np.ndarray, Cf: np.ndarray) -> None:
        cp = st.cp
        if "counter-pressure" in cp.mech and st.k17 is not None:
            p_warn, p_targets = st.k17
            warned = np.isin(atype[:, p_warn], st.k17_types)
            self.k17_deter *= 0.8 if cp.dt == 1.0 else 0.8**cp.dt  # warnings fade by a fifth a month
            for p in p_targets:
                self.k17_deter[:, p] += cp.mech["counter-pressure"]["deterrence"] * warned


def _per_step_choice(E: np.ndarray, acc: np.ndarray, dt: float) -> None:
    """Turn monthly choice weights ``E`` (with total ``acc``) into the probabilities of a step of dt months.

    Each event's monthly probability p becomes its per-step hazard 1 − (1 − p)^dt (exact for a constant
    state: the chance that it happens within a month is the same at any step length); no event takes the
    rest. A pair acts at most once a step, so where the events' per-step probabilities sum above 1 (long
    steps, frequent events) the most frequent are capped at a common level (water-filling) until they sum
    to 1; rarer events keep their hazard. ``E`` and ``acc`` are updated in place.
    """
    inv = 1.0 / np.maximum(acc, np.float32(1e-30))
    tot = np.zeros_like(acc)
    dt32 = np.float32(dt)
    for a in range(1, E.shape[0]):
        p = np.minimum(E[a] * inv, np.float32(1.0 - 1e-7))
        q = -np.expm1(dt32 * np.log1p(-p))
        E[a] = q
        tot += q
    over = tot > 1.0
    if over.any():
        # Water-filling: cap the most frequent events at a level L with Σ min(q, L) = 1, so that rare
        # events (force, tests, resolutions) keep their exact per-step hazard.
        q_o = E[1:, over].astype(np.float64)  # (A-1, n)
        srt = -np.sort(-q_o, axis=0)
        rest = srt.sum(0)[None, :] - np.cumsum(srt, axis=0)  # sum of the events below the top k
        k = np.arange(1, srt.shape[0] + 1)[:, None]
        level = (1.0 - rest) / k
        nxt = np.vstack([srt[1:], np.zeros((1, srt.shape[1]))])
        ok = (level >= nxt - 1e-12) & (level <= srt + 1e-12)
        pick = level[np.argmax(ok, axis=0), np.arange(srt.shape[1])]
        E[1:, over] = np.minimum(q_o, pick[None, :]).astype(np.float32)
        tot = E[1:].sum(0)
    E[0] = np.maximum(1.0 - tot, 0.0)
    np.add(E[0], E[1], out=acc)
    for a in range(2, E.shape[0]):
        np.add(acc, E[a], out=acc)


class _Agg:
    """Sum the last axis (pairs) into actors by a per-pair actor index, with segment sums."""

    def __init__(self, index: np.ndarray, n: int) -> None:
        self.order = np.argsort(index, kind="stable")
        self.identity = bool(np.array_equal(self.order, np.arange(len(index))))
        ordered = index[self.order]
        self.starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        self.cols = ordered[self.starts]
        self.n = n
        # Segments of one length L ≤ 129 (every actor with the same number of pairs): sum them as row
        # adds in reduceat's own order (:func:`_pairwise`), without its per-segment overhead.
        lengths = np.diff(np.r_[self.starts, len(index)])
        equal = len(lengths) > 0 and bool((lengths == lengths[0]).all())
        self.seg_len = int(lengths[0]) if equal and 1 <= lengths[0] <= 1 + _PAIRWISE_BLOCK else 0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        xs = x if self.identity else np.take(x, self.order, axis=-1)
        out = np.zeros((*x.shape[:-1], self.n), x.dtype)
        L = self.seg_len
        if L:
            v = xs.reshape(*x.shape[:-1], len(self.starts), L)
            out[..., self.cols] = _pairwise(lambda k: v[..., k], L)
            return out
        out[..., self.cols] = np.add.reduceat(xs, self.starts, axis=-1)
        return out


_PAIRWISE_BLOCK = 128
"""numpy's pairwise summation sums blocks of up to this many elements with eight accumulators."""


def _pairwise(term: Callable[[int], np.ndarray], L: int) -> np.ndarray:
    """Σ of ``term(0) … term(L − 1)`` (L ≤ 129) bit for bit as ``np.add.reduceat`` sums a segment.

    reduceat starts from the segment's first element and adds numpy's pairwise sum of the other n = L − 1
    (``pairwise_sum`` in numpy/_core/src/umath/loops_utils.h.src): left to right when n < 8; otherwise
    eight running sums over the first n − n mod 8 elements, combined as ((r0 + r1) + (r2 + r3)) +
    ((r4 + r5) + (r6 + r7)), then the rest added left to right. Done here as whole-array adds of the
    terms (each a row of a segment for every segment at once), without reduceat's per-segment calls.
    """
    n = L - 1
    if n == 0:
        return np.array(term(0), copy=True)
    if n < 8:
        res = np.array(term(1), copy=True)
        for i in range(2, L):
            res += term(i)
    else:
        r = [np.array(term(1 + k), copy=True) for k in range(8)]
        m = n - n % 8
        for i in range(8, m, 8):
            for k in range(8):
                r[k] += term(1 + i + k)
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for i in range(m, n):
            res += term(1 + i)
    out: np.ndarray = term(0) + res
    return out


class _Sparse:
    """``out[:, p] = Σ w·x[:, q]`` over entries ``(p, q, w)``, as a gather and segment sums."""

    def __init__(self, entries: list[tuple[int, int, float]], n_pairs: int) -> None:
        entries = sorted(entries)
        self.n = n_pairs
        self.empty = not entries
        if self.empty:
            return
        p = np.array([e[0] for e in entries])
        self.q = np.array([e[1] for e in entries])
        self.w = np.array([e[2] for e in entries], np.float32)
        self.starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
        self.cols = p[self.starts]
        # Segments grouped by length L ≤ 129: (output pairs, (L, segments) entry columns and weights),
        # summed in reduceat's own order (:func:`_pairwise`) as whole-array row adds.
        lengths = np.diff(np.r_[self.starts, len(p)])
        self.groups: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None
        if lengths.max() <= 1 + _PAIRWISE_BLOCK:
            self.groups = []
            for L in np.unique(lengths):
                seg = np.flatnonzero(lengths == L)
                ent = self.starts[seg][None, :] + np.arange(L)[:, None]  # (L, segments)
                self.groups.append((self.cols[seg], self.q[ent], self.w[ent]))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros((x.shape[0], self.n), np.float32)
        if self.empty:
            return out
        if self.groups is not None:
            for cols, q, w in self.groups:

                def term(k: int, q: np.ndarray = q, w: np.ndarray = w) -> np.ndarray:
                    return np.take(x, q[k], axis=1) * w[k]

                out[:, cols] = _pairwise(term, len(q))
            return out
        out[:, self.cols] = np.add.reduceat(np.take(x, self.q, axis=1) * self.w, self.starts, axis=1)
        return out


class _Static:
    """Per-phase arrays derived from the compiled scenario and mechanism roles."""

    def __init__(self, cp: Compiled, m: EscalationModel) -> None:
        self.cp = cp
        mech = cp.mech
        prm = cp.params
        n = len(cp.actors)
        src, dst = cp.pairs[:, 0], cp.pairs[:, 1]
        P, A = len(src), len(cp.action_names)
        self.src_is = {i: np.flatnonzero(src == i) for i in range(n)}
        offset = m.offset if m.offset.shape == cp.intercept.shape else np.zeros(cp.intercept.shape)
        self.intercept = (cp.intercept - offset).astype(np.float32)
        wsal = cp.sal[:, src].astype(np.float32)
        self.sal_norm = (wsal / np.maximum(wsal.sum(0), 1e-9)).astype(np.float32)  # (K, P)
        self.avail_pairs = {a: np.flatnonzero(np.isfinite(cp.intercept[:, a])) for a in range(A)}
        # Per-action tables in float32, gathered by the chosen actions every step.
        self.conflict32 = cp.conflict.astype(np.float32)
        self.coop32 = cp.coop.astype(np.float32)
        self.military32 = cp.military.astype(np.float32)
        self.is_test = np.zeros(A, bool)
        self.is_test[cp.test_actions] = True
        self.is_concession = np.isin(cp.action_type, [TYPES.index(EventType.CONCEDE), TYPES.index(EventType.RETREAT), TYPES.index(EventType.AGREE)])
        self.outcome_pairs = [np.flatnonzero(m.any(1)) for m in cp.outcome_match]
        self.outcome_flat = [m.reshape(-1) for m in cp.outcome_match]
        t0 = cp.tension0[src, dst]
        sat0 = t0 / (1.0 + t0 / prm["tension_saturation"])
        self.felt0 = {i: float(sat0[src == i].max()) for i in range(n) if (src == i).any()}
        # provocation-cycle testers: (the actor's pairs, its felt hostility at the start) for actors with a test action.
        self.k12_testers: list[tuple[np.ndarray, float]] = []
        if len(cp.test_actions):
            for i in np.unique(src):
                ps_i = self.src_is[int(i)]
                if np.isfinite(self.intercept[ps_i][:, cp.test_actions]).any():
                    self.k12_testers.append((ps_i, self.felt0.get(int(i), 0.0)))
        self.score = np.concatenate([[0.0], -10 * cp.conflict[1:] + 10 * cp.coop[1:]]).astype(np.float32)
        self.concession_types = np.array(
            [TYPES.index(EventType.CONCEDE), TYPES.index(EventType.RETREAT), TYPES.index(EventType.AGREE)]
        )
        roles = cp.roles
        pi = cp.pair_index

        def role(mid: str) -> tuple[int, ...]:
            return roles.get(mid, ()) if mid in mech else ()

        def pair(i: int, j: int) -> int:
            return int(pi[i, j])

        # Issue weight and obligations (autonomy autonomy), doctrine (doctrine).
        issue_w = np.full(n, prm["issue_weight"])
        obligation = cp.obligation.copy()
        for i in role("autonomy"):
            aut = mech["autonomy"]["autonomy"]
            issue_w[i] *= 1 + aut
            obligation[i] *= 1 - aut
        self.issue_w = issue_w.astype(np.float32)
        self.obligation = obligation.astype(np.float32)
        dw = mech["doctrine"]["weight"] if "doctrine" in mech else 0.0
        self.doctrine_h = (dw * (2 * cp.doctrine - 1)).astype(np.float32)
        self.doctrine_q = (dw * (1 - 2 * cp.doctrine)).astype(np.float32)
        # Reaction, grievance, decay per pair (standing-grievance, mutual-grievance, hair-trigger, multilateral-sanctions/secondary-sanctions grievances).
        reaction = cp.reaction.copy()
        grievance = cp.grievance.copy()
        if len(r := role("hair-trigger")) >= 2:
            reaction[r[0], r[1]] += mech["hair-trigger"]["reactivity"]
            reaction[r[1], r[0]] += mech["hair-trigger"]["reactivity"]
        if len(r := role("standing-grievance")) >= 2:
            grievance[r[0], r[1]] += mech["standing-grievance"]["grievance"]
        if len(r := role("mutual-grievance")) >= 2:
            grievance[r[0], r[1]] += mech["mutual-grievance"]["grievance"]
            grievance[r[1], r[0]] += mech["mutual-grievance"]["grievance"]
        self.sanction_targets: list[int] = []
        enforcers_of: dict[int, set[int]] = {}
        pressured_by: list[tuple[int, int]] = []
        for regime, tgt, enf, pres, inten in cp.sanctions:
            self.sanction_targets.append(tgt)
            enforcers_of.setdefault(tgt, set()).update(int(e) for e in enf)
            mid = "multilateral-sanctions" if regime == "multilateral" else "secondary-sanctions"
            if mid == "multilateral-sanctions" and "multilateral-sanctions" in mech:
                for e in enf:
                    grievance[tgt, e] += mech["multilateral-sanctions"]["grievance"] * inten
            if mid == "secondary-sanctions" and "secondary-sanctions" in mech:
                for e in enf:
                    for pp in pres:
                        grievance[pp, e] += mech["secondary-sanctions"]["resentment"] * inten
            for e in enf:
                for pp in pres:
                    pressured_by.append((int(e), int(pp)))
        self.reaction = reaction[src, dst].astype(np.float32)
        self.grievance = grievance[src, dst].astype(np.float32)
        self.decay = cp.decay[src, dst].astype(np.float32)
        partners = (cp.affinity > 0) & (cp.obligation > 0)
        obl_entries: list[tuple[int, int, float]] = []
        link_entries: list[tuple[int, int, float]] = []
        for p_, (i, j) in enumerate(zip(src, dst, strict=True)):
            for k in range(n):
                if k in (i, j):
                    continue
                if obligation[i, k] > 0 and pi[j, k] >= 0:
                    obl_entries.append((p_, int(pi[j, k]), float(obligation[i, k])))
                if partners[i, k] and pi[k, j] >= 0:
                    link_entries.append((p_, int(pi[k, j]), 1.0))
        self.obl_sum = _Sparse(obl_entries, P)
        self.link_sum = _Sparse(link_entries, P)
        self.lower_pair = src < dst
        self.at_war_pairs = cp.at_war[src, dst]
        boost = cp.war_assault_boost if len(cp.war_assault_boost) else np.zeros(P)
        self.boost_pairs = np.flatnonzero(boost > 0)
        self.boost = boost[self.boost_pairs].astype(np.float32)
        C = len(cp.channels)
        self.chan_pair = np.zeros((C, P), bool)
        for c in range(C):
            self.chan_pair[c] = cp.chan_members[c][src] & cp.chan_members[c][dst]

        # Static utility bonuses (P, A) and time-dependent ones.
        bonus = np.zeros((P, A), np.float32)
        coop_actions = [a for a in range(A) if cp.action_type[a] >= 0 and TYPES[cp.action_type[a]] in _COOP_CORE]
        self.relief_boost = np.ones(P, np.float32)
        # Sanctions cost the sanctioner (economic cost in the choice).
        sanction_actions = [a for a in range(A) if cp.action_type[a] == TYPES.index(EventType.SANCTION)]
        bonus[:, sanction_actions] -= prm["sanction_cost"]
        if len(r := role("rapprochement")) >= 2:
            for i in r:
                for j in r:
                    if i != j and pair(i, j) >= 0:
                        bonus[pair(i, j), coop_actions] += mech["rapprochement"]["warmth"]
                        self.relief_boost[pair(i, j)] += mech["rapprochement"]["relief_boost"]
        nuc3, guarantor = _nuclear_roles(cp, role("guarantor-monopoly"))
        if nuc3 is not None and guarantor is not None:
            nuc = nuc3
            for j in range(n):
                if j not in (nuc, guarantor) and pair(nuc, j) >= 0:
                    for tt in (EventType.CONCEDE, EventType.RETREAT):
                        bonus[pair(nuc, j), _T[tt]] -= mech["guarantor-monopoly"]["penalty"]
        self.k08 = []
        if "evasion-accusations" in mech:
            for e, pp in pressured_by:
                if pair(e, pp) >= 0:
                    bonus[pair(e, pp), _T[EventType.ACCUSE]] += mech["evasion-accusations"]["propensity"]
                    self.k08.append(pair(e, pp))
        self.k09: list[int] = []
        if "coercive-signalling" in mech:
            seniors = {s for s, _ in cp.juniors}
            for s in seniors:
                group = {s} | {j for s2, j in cp.juniors if s2 == s}
                for tgt in self.sanction_targets:
                    if s in enforcers_of.get(tgt, set()):
                        for g in group:
                            if pair(g, tgt) >= 0:
                                self.k09.append(pair(g, tgt))
        self.k09_start = round(mech["coercive-signalling"]["start"]) if "coercive-signalling" in mech else 0
        self.k15: tuple[int, ...] = role("coordination")
        self.k15_follow: list[tuple[int, int]] = []
        if len(self.k15) >= 2:
            a_, b_ = self.k15[0], self.k15[1]
            for i, j in ((a_, b_), (b_, a_)):
                if pair(i, j) >= 0:
                    bonus[pair(i, j), _T[EventType.CONSULT]] += mech["coordination"]["coordination"]
                for k in range(n):
                    if k not in (a_, b_) and pair(i, k) >= 0 and pair(j, k) >= 0:
                        self.k15_follow.append((pair(i, k), pair(j, k)))
        self.k16: tuple[int, int] | None = None
        if len(r := role("back-channel")) >= 2 and pair(r[0], r[1]) >= 0:
            bonus[pair(r[0], r[1]), _T[EventType.CONSULT]] += mech["back-channel"]["contact"]
            self.k16 = (pair(r[0], r[1]), r[1])
        self.k17: tuple[int, list[int]] | None = None
        self.k17_types = np.array([TYPES.index(EventType.REQUEST), TYPES.index(EventType.ACCUSE), TYPES.index(EventType.THREATEN)])
        if len(r := role("counter-pressure")) >= 2 and pair(r[0], r[1]) >= 0:
            for tt in (EventType.REQUEST, EventType.ACCUSE, EventType.THREATEN):
                bonus[pair(r[0], r[1]), _T[tt]] += mech["counter-pressure"]["warning"]
            protected = r[2:] or tuple(j for j in range(n) if j not in r[:2] and cp.affinity[r[0], j] > 0)
            self.k17 = (pair(r[0], r[1]), [pair(r[1], j) for j in protected if pair(r[1], j) >= 0])
        self.k18: tuple[list[int], list[int]] | None = None
        if len(r := role("mediation")) >= 3:
            contacts = [pair(r[0], j) for j in r[1:] if pair(r[0], j) >= 0]
            for p in contacts:
                bonus[p, _T[EventType.CONSULT]] += mech["mediation"]["engagement"]
            parties = [pair(r[1], r[2]), pair(r[2], r[1])]
            self.k18 = (contacts, [p for p in parties if p >= 0])
        self.k19_pairs: list[int] = []
        if len(r := role("talks-activation")) >= 1:
            for i in r:
                self.k19_pairs.extend(int(p) for p in self.src_is[i])
        if "alignment-support" in mech:
            for i in range(n):
                for j in range(n):
                    if i != j and pair(i, j) >= 0 and cp.affinity[i, j] > 0 and cp.obligation[i, j] > 0 and cp.obligation[i, j] < 1:
                        for tt in (EventType.SUPPORT, EventType.COOPERATE, EventType.AID):
                            bonus[pair(i, j), _T[tt]] += mech["alignment-support"]["alignment"]
        # alliance-discipline: junior's cooperation with the senior's rivals costs it; the senior watches it.
        self.k04_watch: list[tuple[int, list[int]]] = []
        if "alliance-discipline" in mech:
            for s, j in cp.juniors:
                rivals_of_s = [k for k in range(n) if cp.rivals[s, k] and k != j]
                watched = [pair(j, k) for k in rivals_of_s if pair(j, k) >= 0]
                for p in watched:
                    bonus[p, coop_actions] -= mech["alliance-discipline"]["pressure"]
                if watched and pair(s, j) >= 0:
                    self.k04_watch.append((pair(s, j), watched))
        self.bonus = bonus
        self.k09_bonus = np.zeros((P, A), np.float32)
        for p in self.k09:
            self.k09_bonus[p, _T[EventType.MOBILIZE]] += mech["coercive-signalling"]["pressure"]
        # Strategy event actions.
        self.strategy = cp.strategy_bias
        # Pair/actor look-ups for other levers.
        self.umbrella_pairs: list[tuple[int, int, float]] = []
        if "extended-deterrence" in mech:
            for s, j in cp.juniors:
                if cp.senior_of[s, j] > 0:
                    for i in range(n):
                        if i not in (s, j) and pair(i, j) >= 0:
                            self.umbrella_pairs.append((pair(i, j), s, float(cp.senior_of[s, j])))
        self.e12 = role("rear-security")[:2]
        self.e14 = role("power-transition")[:2]
        self.e08 = role("military-buildup")[0] if role("military-buildup") else None
        # military-buildup: the builder's test actions (pair rows, action columns) get the test-rate trend.
        self.e08_ramp: tuple[np.ndarray, np.ndarray] | None = None
        self.e08_trend = float(mech["military-buildup"].get("test_trend", 0.0)) if "military-buildup" in mech else 0.0
        if self.e08 is not None and self.e08_trend != 0.0 and len(cp.test_actions):
            rows = self.src_is[self.e08]
            self.e08_ramp = (rows[:, None], np.asarray(cp.test_actions)[None, :])
        self.k13 = pair(*role("engineered-pretext")[:2]) if len(role("engineered-pretext")) >= 2 and pair(*role("engineered-pretext")[:2]) >= 0 else None
        self.k14: tuple[int, int] | None = None
        if len(r := role("reputation-trap")) >= 2 and pair(r[0], r[1]) >= 0:
            self.k14 = (pair(r[0], r[1]), pair(r[1], r[0]))
        self.k02: np.ndarray | None = None
        self.k02_actor = 0
        if (nuc_k02 := _nuclear_roles(cp, role("de-facto-recognition"))[0]) is not None:
            nuc = nuc_k02
            self.k02_actor = nuc
            self.k02 = np.array([p for p in range(P) if (src[p] == nuc) != (dst[p] == nuc)], dtype=np.int64)
        self.e02: list[int] | None = None
        self.e02_alarm: tuple[int, int, tuple[int, int]] | None = None
        if len(r := role("contested-alignment")) >= 3:
            contested, lead_a = r[-1], r[0]
            others = [x for x in r[1:-1] if cp.rivals[lead_a, x]] or [r[-2]]
            lead_b = others[0]
            self.e02 = [pair(b, contested) for b in (lead_a, lead_b) if pair(b, contested) >= 0]
            k = int(np.argmax(cp.sal[:, contested])) if len(cp.issues) else -1
            if k >= 0:
                self.e02_alarm = (contested, k, (lead_a, lead_b))
        self.e03: tuple[int, int, float, float] | None = None
        if len(r := role("red-line")) >= 2 and pair(r[0], r[1]) >= 0 and len(cp.issues):
            k = int(np.argmax(cp.sal[:, r[0]]))
            if cp.pos0[k, r[1]] != cp.pos0[k, r[0]]:
                self.e03 = (pair(r[0], r[1]), k, float(cp.pos0[k, r[0]]), float(cp.pos0[k, r[1]]))

    def ramp_at(self, t: int) -> np.ndarray | float:
        """Log-odds added at step ``t`` (not scaled by λ): military-buildup's test-rate trend, ``b·t·Δ/12``."""
        if self.e08_ramp is None or t == 0:
            return 0.0
        out = np.zeros_like(self.intercept)
        out[self.e08_ramp] = np.float32(self.e08_trend * t * self.cp.dt / 12.0)
        return out

    def bonus_at(self, t: int) -> np.ndarray:
        """Static bonuses plus those active at step ``t`` (coercive-signalling after its start, strategy actions)."""
        b = self.bonus
        if self.k09 and t >= self.k09_start:
            b = b + self.k09_bonus
        if self.strategy:
            b = b.copy()
            for p, a, start, end, w in self.strategy:
                if start <= t and (end is None or t < end):
                    b[p, a] += w
        return b


def _drives(
    st: _Static,
    T: np.ndarray,
    pos: np.ndarray,
    mil: np.ndarray,
    econ: np.ndarray,
    last: np.ndarray,
    z_perc: np.ndarray,
    res_half: np.ndarray,
    at_war: np.ndarray,
    k17_deter: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The drives of the choice for every replicate and pair: ``(h, q, w, S(T), cap)`` (docs/model.md).

    ``h`` hostility, ``q`` cooperation, ``w`` cost of war (float32, (R, P)), the saturated tension and
    the actors' capacities (R, N).
    """
    cp = st.cp
    prm = cp.params
    mech = cp.mech
    src, dst, rev = cp.pairs[:, 0], cp.pairs[:, 1], cp.reverse
    R, P = T.shape
    K = len(cp.issues)
    f32 = np.float32
    sat = prm["tension_saturation"]
    cap = (cp.mil0 * mil) * (0.5 + 0.5 * econ)  # (R, N)
    sig = prm["perception_noise"]
    perceived = _cols(T, rev) * np.exp(sig * z_perc - 0.5 * sig * sig)
    sh = _sat(perceived, sat)
    # Dense tension for alliance obligations and theatre linkage.
    Ts = _sat(T, sat)
    # obl[i→j] = Σ_k O[i, k]·T[j→k]: hostility towards i's allies (sparse entries).
    obl = st.obl_sum(Ts)
    if K:
        # One (R, P) pass per issue (K is small) with the salience weights normalised once.
        wn = st.sal_norm
        D = np.abs(_cols(pos[:, 0], src) - _cols(pos[:, 0], dst))
        D *= wn[0]
        for k in range(1, K):
            dk = np.abs(_cols(pos[:, k], src) - _cols(pos[:, k], dst))
            dk *= wn[k]
            D += dk
    else:
        D = np.full((R, P), 0.5, f32)
    h = sh + st.issue_w[src] * D + st.doctrine_h[src] + prm["alliance_obligation"] * obl
    q = prm["affinity"] * cp.affinity[src, dst] + st.issue_w[src] * (1.0 - D) * 0.5 - 0.5 * sh
    q = q + st.doctrine_q[src] + 0.5 * cp.coop[_cols(last, rev)]
    # Relative power, nuclear deterrence, extended deterrence (extended-deterrence), misjudged resolve (bluff-credibility).
    ratio = _cols(cap, dst) / (_cols(cap, src) + _cols(cap, dst))
    # War is costly even against a weaker side (0.5 + relative power), more so against a nuclear one.
    risk = (0.5 + ratio) * (1.0 + prm["nuclear_deterrence"] * cp.nuclear[dst])
    if "extended-deterrence" in mech and st.umbrella_pairs:
        for p, s_ix, wgt in st.umbrella_pairs:
            i = src[p]
            r2 = cap[:, s_ix] / (cap[:, i] + cap[:, s_ix])
            risk[:, p] += mech["extended-deterrence"]["umbrella"] * wgt * r2 * (1 + prm["nuclear_deterrence"] * cp.nuclear[s_ix])
    w = prm["war_cost"] * risk * res_half
    if st.at_war_pairs.any():
        # The war cost of a dyad at war on the as-of date is sunk while the war lasts.
        w = np.where(st.at_war_pairs & at_war, 0.0, w)
    if "rear-security" in mech and len(st.e12) == 2:
        a_, b_ = st.e12
        pr = cp.pair_index[a_, b_]
        calm = 1.0 - T[:, pr] / (1.0 + T[:, pr]) if pr >= 0 else np.ones(R, f32)
        w[:, st.src_is[a_]] *= (1.0 - mech["rear-security"]["rear"] * calm)[:, None]
    if "counter-pressure" in mech:
        w = w * (1.0 + k17_deter)
    if "power-transition" in mech and len(st.e14) == 2:
        hg, ch = st.e14
        closeness = 1.0 - np.abs(cap[:, hg] - cap[:, ch]) / (cap[:, hg] + cap[:, ch])
        for p in (cp.pair_index[hg, ch], cp.pair_index[ch, hg]):
            if p >= 0:
                h[:, p] += mech["power-transition"]["parity"] * closeness
    h -= prm["audience_cost"] * cp.audience[src]
    return h.astype(f32, copy=False), q.astype(f32, copy=False), w.astype(f32, copy=False), Ts, cap


def calibration_offset(cp: Compiled, samples: int = 256) -> np.ndarray:
    """:func:`utility_offset` of ``cp``, computed once per process for each compiled scenario.

    The key is a hash of everything the offset reads: every field of ``cp`` (a superset of its inputs,
    so a change to any of them recomputes it), ``samples`` and :data:`OFFSET_SEED`. A sweep, a Sobol
    design or a lever change in the app compiles the scenario as written for the offset, whatever the
    overrides, so all its points share one fit.
    """
    from .offset import fingerprint, memoised

    try:
        key = fingerprint("utility_offset", OFFSET_SEED, samples, cp)
    except TypeError:  # a field the hash does not know: compute it, do not guess a key
        return utility_offset(cp, samples)
    return memoised(key, lambda: utility_offset(cp, samples))


def initial_drives(cp: Compiled, st: _Static, samples: int = 256) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hostility, cooperation and war cost ``(samples, P)`` at the initial state, as the offset is fitted.

    Tension, positions and capacities as compiled, no bonus; ``samples`` draws of the per-run noise
    (perception, misjudged resolve) from the fixed stream ``SeedSequence(OFFSET_SEED)``.
    """
    src, dst = cp.pairs[:, 0], cp.pairs[:, 1]
    P, N = len(src), len(cp.actors)
    R = samples
    g = np.random.Generator(np.random.PCG64(np.random.SeedSequence(OFFSET_SEED)))
    z_perc = g.standard_normal((R, P)).astype(np.float32)
    z_res = g.standard_normal((R, P))
    one = np.ones((R, N), np.float32)
    h, q, w, _, _ = _drives(
        st,
        np.broadcast_to(cp.tension0[src, dst].astype(np.float32), (R, P)).copy(),
        np.broadcast_to(cp.pos0.astype(np.float32), (R, *cp.pos0.shape)).copy(),
        one,
        one,
        np.zeros((R, P), np.int64),
        z_perc,
        0.5 + cp.resolve[dst][None, :] * np.exp(cp.params["resolve_noise"] * z_res),
        np.broadcast_to(cp.at_war[src, dst], (R, P)).copy(),
        np.zeros((R, P), np.float32),
    )
    return h, q, w


def utility_offset(cp: Compiled, samples: int = 256) -> np.ndarray:
    """The shift of each intercept that makes the expected first-month rates the fitted ones: ``(P, A)``.

    The calibrated intercepts β are log-odds of each event against no event at utility 0 (ICEWS shares,
    the rival-dyad use-of-force hazard). The choice adds λ·U, which pushed every conflictual rate down.
    The offset δ (subtracted from β) is chosen so that the expected probabilities at the initial state
    (tension, positions and capacities as compiled, no bonus), averaged over ``samples`` draws of the
    per-run noise (perception, misjudged resolve; a fixed stream, ``SeedSequence(OFFSET_SEED)``, so it
    does not depend on the run's seed), equal those with U = 0: ASSAULT and its named events pair by pair
    (a dyad's reference-class rate), every other action on its mean over the pairs where it is available
    (the utilities then say which pairs are above and below). Tests (their rate is set per pair) and
    λ = inf get 0. The equations are solved by Newton's method (:func:`.offset.fit_offset`).
    """
    from types import SimpleNamespace

    from .offset import fit_offset

    A = len(cp.action_names)
    lam = float(cp.params["rationality"])
    if not math.isfinite(lam) or lam == 0.0:
        return np.zeros((len(cp.pairs), A))
    st = _Static(cp, SimpleNamespace(offset=np.zeros((0, 0))))  # type: ignore[arg-type]
    P, R = len(cp.pairs), samples
    h, q, w = initial_drives(cp, st, samples)
    avail = np.isfinite(cp.intercept)
    beta = np.where(avail, cp.intercept, -np.inf)
    beta[:, 0] = 0.0
    # x = β + λ·U, with U = c·(h − c·w) for military conflict, c·h for other conflict, k·q for
    # cooperation, 0 for tests and no event; built action by action into one (R, P, A) array.
    x = np.empty((R, P, A))
    for a in range(A):
        c, k, mil = float(cp.conflict[a]), float(cp.coop[a]), bool(cp.military[a])
        if a == 0 or st.is_test[a]:
            x[:, :, a] = beta[None, :, a]
            continue
        u = c * (h - (c * w if mil else 0.0)) + k * q  # float32, as the choice computes it
        x[:, :, a] = beta[None, :, a] + lam * u.astype(np.float64)
    x -= x.max(-1, keepdims=True)
    np.exp(x, out=x)  # weights of the choice at δ = 0, each (r, p) row scaled by a constant
    # Use of force (ASSAULT and its named events) is fitted pair by pair: its rate is a dyad's reference
    # class rate (MID rival hazard; a tenth of it for other dyads; at war, the at-war intercept). Other
    # actions are fitted on their mean over the pairs where they are available (ICEWS pooled shares), so
    # the utilities still say which pairs are above and below it. Tests and "no event" are not fitted.
    assault = TYPES.index(EventType.ASSAULT)
    per_pair = np.zeros(A, bool)
    per_pair[1:] = cp.action_type[1:] == assault
    per_pair &= ~st.is_test
    pooled = np.zeros(A, bool)
    pooled[1:] = ~per_pair[1:] & ~st.is_test[1:]
    z = beta - beta.max(-1, keepdims=True)
    target = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    out = fit_offset(x, target, avail, per_pair, pooled)
    out[~avail] = 0.0
    return out


def _nuclear_roles(cp: Compiled, r: tuple[int, ...]) -> tuple[int | None, int | None]:
    """(the listed actor with an unrecognised nuclear programme, the first listed recognised power)."""
    status = [cp.nuclear_status[i] for i in r]
    nuc = next((i for i, s in zip(r, status, strict=True) if s in ("unofficial", "threshold")), None)
    guarantor = next((i for i, s in zip(r, status, strict=True) if s == "recognised"), None)
    return nuc, guarantor


def strategy_components(
    scenario: Scenario, strategy: str | Strategy | Sequence[StrategyComponent] | None
) -> tuple[str | None, tuple[StrategyComponent, ...]]:
    """A strategy's name and components from its id, a :class:`Strategy` or a list of components.

    Raises:
        InputError: An id the scenario does not define.
    """
    if strategy is None:
        return None, ()
    if isinstance(strategy, str):
        try:
            s = scenario.strategy(strategy)
        except KeyError:
            ids = ", ".join(x.id for x in scenario.strategies) or "none defined"
            raise InputError(
                f"{scenario.id}: no strategy {strategy!r} (fix: use one of: {ids})"
            ) from None
        return s.id, s.components
    if isinstance(strategy, Strategy):
        return strategy.id, strategy.components
    comps = tuple(strategy)
    return "+".join(c.id for c in comps) or None, comps

