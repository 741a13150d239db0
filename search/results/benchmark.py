"""Study 0, can the benchmark rank triggers: per signal, the menu, the supervised ceiling, the no-ML baselines and
the teachers under both rate budgets, on the same test events, with achieved rates and 95 % intervals.

- ``total`` budget: the cut passes the rate of all ZeroBias (how CICADA quotes its 3 kHz);
- ``pure`` budget: the cut passes the rate of the ZeroBias the menu does *not* keep (the rate it adds).

The supervised ceiling (:mod:`flowad.metrics.ceiling`) is a classifier trained on each signal's validation events:
every trigger's pure efficiency is also given as a fraction of the ceiling's. A signal is *rankable* when the
ceiling's pure-efficiency interval excludes zero; the claim that a teacher earns its place
(:func:`search.results.verdicts.earns_its_place`) is read on rankable signals only, under the pure budget.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from flowad.distill.run import REPORT_SPLITS, prepare, resolve_dataset, source_reference
from flowad.metrics.ceiling import ceiling_scores
from flowad.metrics.rates import fpr_of
from flowad.metrics.reference import BASELINES, Reference, Scores
from flowad.metrics.trigger import BUDGETS, Estimate, ScorePerformance
from flowad.metrics.weighted import effective_events
from search.results.config import ResultsConfig
from search.results.stats import markdown_table
from search.results.verdicts import Verdict, earns_its_place

BUDGET_TITLES = {"total": "of all ZeroBias", "pure": "of the ZeroBias the menu rejects (the rate added to the menu)"}
CROSSINGS_A_RATE_NEEDS = 100
"""ZeroBias crossings above a cut for a rate number of ±20 % (issue 22)."""
PRECISE_BENCHMARK = "docs/models.md, \"The same triggers on one million plain ZeroBias crossings\""
PRECISE_BENCHMARK_CROSSINGS = 500_000
"""Plain ZeroBias crossings per rate split of :data:`PRECISE_BENCHMARK` (configs/data/benchmark_1m.yaml)."""


@dataclass(frozen=True)
class Samples:
    """What the benchmark's numbers rest on: ZeroBias crossings per rate split and each signal's test events."""

    zerobias: dict[str, float]
    """``{split: crossings}``; Kish's effective count, (Σw)² / Σw², for a tail-enriched (weighted) ZeroBias."""
    weighted: bool
    signal_test_events: dict[str, int]

    def above_cut(self, rate_khz: float) -> float:
        """Validation crossings expected above a ``rate_khz`` cut (NaN when weighted: the enrichment puts more
        of them in the tail than this count says, by how much depends on the score)."""
        return math.nan if self.weighted else self.zerobias.get("val", math.nan) * fpr_of(rate_khz)

    def markdown(self, rate_khz: float) -> str:
        val, test = self.zerobias.get("val", math.nan), self.zerobias.get("test", math.nan)
        events = self.signal_test_events.values()
        kind = "effective (weighted) " if self.weighted else ""
        low, high = min(events, default=0), max(events, default=0)
        text = (f"Each {rate_khz:g} kHz cut is set on {val:,.0f} {kind}validation ZeroBias crossings and claimed on "
                f"{test:,.0f} test ones; each signal has {f'{low:,}' if low == high else f'{low:,}–{high:,}'} test events.")
        above = self.above_cut(rate_khz)
        if 0 < above < CROSSINGS_A_RATE_NEEDS:
            text += (f" **About {above:.0f} validation crossings lie above each cut**, fewer than the ~{CROSSINGS_A_RATE_NEEDS} a "
                     f"rate number needs (Poisson ±{196 / math.sqrt(above):.0f} % at 95 %).")
            if val < PRECISE_BENCHMARK_CROSSINGS:
                text += f" {PRECISE_BENCHMARK} measures the same kinds of trigger on {PRECISE_BENCHMARK_CROSSINGS:,} per split."
        return text


@dataclass(frozen=True)
class Benchmark:
    """Every trigger's and each signal's ceiling's performance on test, per budget."""

    signals: tuple[str, ...]
    rate_khz: float
    menu_total_khz: float
    ceilings: dict[str, dict[str, ScorePerformance]]
    """``{budget: {signal: its ceiling's performance}}``."""
    triggers: dict[str, dict[str, ScorePerformance]]
    """``{budget: {trigger: performance}}``, no-ML baselines first."""
    baselines: tuple[str, ...]
    """Which triggers are the no-ML ones."""
    samples: Samples

    def ceiling(self, budget: str, signal: str) -> Estimate:
        return self.ceilings[budget][signal].signals[signal].pure_tpr

    def rankable(self, budget: str = "pure") -> list[str]:
        """Signals whose ceiling's pure efficiency is measurably above zero (its interval's low end > 0)."""
        return [s for s in self.signals if self.ceiling(budget, s).low > 0]

    def fraction_of_ceiling(self, budget: str, trigger: str, signal: str) -> float:
        """The trigger's pure efficiency over the ceiling's (NaN where the signal is not rankable)."""
        top = self.ceiling(budget, signal)
        value = self.triggers[budget][trigger].signals[signal].pure_tpr.value
        return value / top.value if top.low > 0 else math.nan

    def verdict(self, trigger: str, budget: str = "pure") -> Verdict:
        signals = self.rankable(budget)
        readings = {s: (self.triggers[budget][trigger].signals[s].pure_tpr,
                        {b: self.triggers[budget][b].signals[s].pure_tpr for b in self.baselines},
                        self.ceiling(budget, s)) for s in signals}
        return earns_its_place(trigger, readings)

    def markdown(self) -> str:
        parts = [self.samples.markdown(self.rate_khz)]
        for budget in BUDGETS:
            parts.append(f"**{budget} budget**: {self.rate_khz:g} kHz {BUDGET_TITLES[budget]}. Pure efficiency on test "
                         "[95 % interval], *f* = fraction of the ceiling's.")
            parts.append(self._table(budget))
            undefined = [f"{name}: {perf.reason}" for name, perf in self.triggers[budget].items() if not perf.threshold.valid]
            if undefined:
                parts.append("n/a (no rate cut on this data): " + "; ".join(undefined))
        parts.append("**Does a teacher earn its place?** (pure budget, rankable signals: "
                     + (", ".join(self.rankable("pure")) or "none") + ")")
        parts.append("\n".join(f"- {self.verdict(t).markdown()}" for t in self.triggers["pure"] if t not in self.baselines))
        return "\n\n".join(parts)

    def _table(self, budget: str) -> str:
        any_perf = next(iter(self.triggers[budget].values()))
        rows = [["L1 menu efficiency", f"{self.menu_total_khz:.1f} (menu, on val)", ""]
                + [f"{any_perf.signals[s].menu_efficiency:.3f}" for s in self.signals]]
        ceilings = self.ceilings[budget]
        rates = [ceilings[s].rate_khz.value for s in self.signals]
        added = [ceilings[s].added_rate_khz.value for s in self.signals]
        rows.append(["supervised ceiling (one per signal)", _span(rates), _span(added)]
                    + [f"{self.ceiling(budget, s):.4f}" + ("" if self.ceiling(budget, s).low > 0 else " (not rankable)")
                       for s in self.signals])
        for name, perf in self.triggers[budget].items():
            cells = [name, f"{perf.rate_khz:.2f}", f"{perf.added_rate_khz:.2f}"]
            for s in self.signals:
                f = self.fraction_of_ceiling(budget, name, s)
                cells.append(f"{perf.signals[s].pure_tpr:.4f}" + ("" if math.isnan(f) else f" *f* {f:.2f}"))
            rows.append(cells)
        return markdown_table(["trigger", "rate kHz (test)", "added kHz (test)"] + list(self.signals), rows)


def benchmark(reference: Reference, baselines: dict[str, Scores], teachers: dict[str, Scores],
              ceilings: dict[str, Scores], signals: Sequence[str], rate_khz: float = 3.0) -> Benchmark:
    """Evaluate every trigger and each signal's ceiling on test under both budgets (cuts set on validation)."""
    signals = tuple(signals)
    triggers = {**baselines, **teachers}
    any_scores = next(iter(triggers.values()))
    zerobias = {split: (effective_events(reference.weights[split]) if reference.weights else float(len(scores)))
                for split, scores in any_scores[reference.background].items() if split in ("val", "test")}
    samples = Samples(zerobias, bool(reference.weights), {s: len(any_scores[s]["test"]) for s in signals})
    return Benchmark(
        signals, rate_khz, reference.menu.total_khz,
        {b: {s: reference.evaluate(ceilings[s], "test", rate_khz, [s], budget=b) for s in signals} for b in BUDGETS},
        {b: {n: reference.evaluate(scores, "test", rate_khz, signals, budget=b) for n, scores in triggers.items()} for b in BUDGETS},
        tuple(baselines), samples)


def _span(values: list[float]) -> str:
    defined = [v for v in values if not math.isnan(v)]
    return f"{min(defined):.2f}–{max(defined):.2f}" if defined else "n/a"


def benchmark_study(config: ResultsConfig) -> Benchmark:
    """The benchmark on the results config's data: its baselines, each teacher's seed 0 (trained and scored once,
    cached by the teacher study) and each signal's ceiling (:attr:`ResultsConfig.ceiling`, cached)."""
    from search.results.teachers import teacher_config

    dataset = resolve_dataset(config.data)
    reference = source_reference(config.data, dataset, ("val", "test"))
    teachers = {label: prepare(config.data, teacher_config(config, label, 0), REPORT_SPLITS).scores for label in config.teachers}
    ceilings = ceiling_scores(dataset, config.data.background, config.signals, config.data.cache, config.ceiling)
    baselines = {f"{BASELINES[n].label} (no ML)": scores for n, scores in reference.baselines.items()}
    return benchmark(reference, baselines, teachers, ceilings, config.signals, config.rate_khz)
