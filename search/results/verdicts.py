"""The report's claims as functions of numbers: each states its criterion, and holds, fails or cannot be tested.

Every comparison of two triggers goes through :func:`compare`: *beats* needs the two 95 % intervals not to
overlap, *loses to* the same the other way, and anything else is a tie. A trigger's interval over several seeds
is the widest its seeds give (:func:`seeds_interval`), so the seed-to-seed spread and the finite test sample both
count. Choices (which teacher, which student) are made by the caller on validation; the claims are made on test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from flowad.metrics.trigger import Estimate
from search.results.stats import mean_std


def mean_interval(record: dict, signals: Sequence[str], metric: str) -> Estimate:
    """The mean over ``signals`` of one record's ``metric`` with the mean of its per-signal bounds: wider than the
    interval of the mean when the signals' errors are independent, so a claim made on it is conservative."""
    cells = [record["signals"][s][metric] for s in signals]
    mean = lambda key: sum(c.get(key, math.nan) for c in cells) / len(cells)  # noqa: E731
    return Estimate(mean("value"), mean("low"), mean("high"))


def seeds_interval(intervals: Sequence[Estimate]) -> Estimate:
    """One trigger trained with several seeds: the seeds' mean, from the lowest low to the highest high."""
    lows = [i.low for i in intervals if not math.isnan(i.low)]
    highs = [i.high for i in intervals if not math.isnan(i.high)]
    return Estimate(mean_std([i.value for i in intervals])[0], min(lows) if lows else math.nan,
                    max(highs) if highs else math.nan)


def compare(a: Estimate, b: Estimate) -> str:
    """``beats`` (a's interval lies wholly above b's), ``loses to`` (wholly below) or ``ties with`` (they overlap,
    or either has no interval: then nothing is claimed)."""
    if any(math.isnan(x) for x in (a.low, a.high, b.low, b.high)):
        return "ties with"
    if a.low > b.high:
        return "beats"
    if a.high < b.low:
        return "loses to"
    return "ties with"


@dataclass(frozen=True)
class Verdict:
    """A claim, its criterion, the numbers it was read from, and whether it holds (None: not testable here)."""

    claim: str
    criterion: str
    numbers: str
    holds: bool | None

    def markdown(self) -> str:
        word = "not testable here" if self.holds is None else "holds" if self.holds else "does not hold"
        return f"*{self.claim}* (criterion: {self.criterion}): {self.numbers}: **{word}**."


def keeps_the_teacher(retained: dict[str, tuple[str, Sequence[float]]], threshold: float) -> Verdict:
    """Family → (its student chosen on validation, its seeds' AUC retained): holds when every family's mean
    retained is ≥ ``threshold``; not testable when no family has a defined value."""
    parts, results = [], []
    for family, (label, values) in retained.items():
        mean, std = mean_std(values)
        if math.isnan(mean):
            parts.append(f"{family} (`{label}`) undefined (its teacher does not separate from chance)")
            continue
        results.append(mean >= threshold)
        parts.append(f"{family} (`{label}`) {mean:.2f} ± {std:.2f}")
    return Verdict("The student keeps most of the teacher's performance",
                   f"mean AUC retained ≥ {threshold} for each family's best student by validation AUC",
                   "; ".join(parts) or "no student", all(results) if results else None)


def cheaper_at_equal_quality(pairs: Sequence[tuple[Estimate, float, Estimate, float]], claim: str) -> Verdict:
    """(candidate quality, candidate LUT, reference quality, reference LUT) per pair of students: among the pairs
    whose quality ties (:func:`compare`), the claim holds when the candidate is cheaper in more than half."""
    tied = [(cl, rl) for c, cl, r, rl in pairs if compare(c, r) == "ties with" and not math.isnan(cl) and not math.isnan(rl)]
    cheaper = sum(cl < rl for cl, rl in tied)
    return Verdict(claim, "among pairs whose test AUC intervals overlap, the first has fewer yosys LUTs in most",
                   f"{cheaper} of {len(tied)} pairs", cheaper > len(tied) / 2 if tied else None)


def against_baselines(label: str, candidate: Estimate, baselines: dict[str, Estimate]) -> Verdict:
    """The candidate (chosen on validation) against every no-ML trigger on test: holds when it beats every one,
    fails when any beats it or ties with it."""
    readings = {name: compare(candidate, interval) for name, interval in baselines.items()}
    numbers = f"`{label}` {candidate:.3f}; " + "; ".join(
        f"{readings[n]} {n} {i:.3f}" for n, i in baselines.items())
    return Verdict(f"`{label}` beats every no-ML trigger", "test AUC interval above each no-ML trigger's, no overlap",
                   numbers, all(r == "beats" for r in readings.values()) if readings else None)


def cheap_but_weaker(cheapest: tuple[float, float], strongest: tuple[Estimate, Estimate]) -> Verdict:
    """(cheapest LGN LUT, cheapest other LUT), (best LGN AUC, best other AUC): holds when LGN is cheaper and its
    best AUC loses to the others' best; fails when it is not cheaper or does not lose."""
    cheaper = cheapest[0] < cheapest[1]
    reading = compare(strongest[0], strongest[1])
    return Verdict("LGN is very cheap but weaker on signals",
                   "the cheapest LGN has fewer LUTs than the cheapest MLP student, and the best LGN's test AUC loses to the best MLP's",
                   f"cheapest {cheapest[0]:,.0f} vs {cheapest[1]:,.0f} LUT; best AUC {strongest[0]:.3f} "
                   f"{reading} {strongest[1]:.3f}", cheaper and reading == "loses to")


EARNS_ITS_PLACE_SIGNALS = 3
EARNS_ITS_PLACE_FRACTION = 0.5


def earns_its_place(label: str, readings: dict[str, tuple[Estimate, dict[str, Estimate], Estimate]],
                    min_signals: int = EARNS_ITS_PLACE_SIGNALS, min_fraction: float = EARNS_ITS_PLACE_FRACTION) -> Verdict:
    """Signal → (the trigger's pure efficiency, each no-ML trigger's, the supervised ceiling's), on rankable signals:
    holds when the trigger beats every no-ML trigger (:func:`compare`) on at least ``min_signals`` signals and its
    mean fraction of the ceiling is ≥ ``min_fraction``; not testable with fewer rankable signals than that. A no-ML
    trigger whose efficiency is undefined on this data (no rate cut: too few effective ZeroBias crossings) is
    left out of "every" and named in the numbers."""
    criterion = (f"pure efficiency beats every no-ML trigger (intervals apart) on ≥ {min_signals} rankable signals, "
                 f"and ≥ {min_fraction:.0%} of the supervised ceiling on average")
    claim = f"`{label}` earns its place"
    if len(readings) < min_signals:
        return Verdict(claim, criterion, f"{len(readings)} rankable signal(s): too few to tell", None)
    won = [s for s, (own, baselines, _) in readings.items()
           if all(compare(own, b) == "beats" for b in baselines.values() if not math.isnan(b.value))]
    undefined = sorted({name for _, baselines, _ in readings.values() for name, b in baselines.items() if math.isnan(b.value)})
    fractions = [own.value / ceiling.value for own, _, ceiling in readings.values()]
    mean_fraction = sum(fractions) / len(fractions)
    numbers = (f"beats every no-ML trigger on {len(won)} of {len(readings)} ({', '.join(won) or 'none'}); "
               f"{mean_fraction:.2f} of the ceiling on average"
               + (f"; undefined here, so not compared: {', '.join(undefined)}" if undefined else ""))
    return Verdict(claim, criterion, numbers, len(won) >= min_signals and mean_fraction >= min_fraction)
