"""Section 4, a smoke test of the samplers: hypervolume against trials on a toy surrogate, and their wall time.

Labelled on the page as what it is: the surrogate below is too simple to rank samplers (most of its points are
Pareto-optimal, LGN's AUC is flat, latency extrapolates below the real floor), so nothing is concluded from it.

The problem is a *surrogate* of the real one, as tabular and surrogate HPO benchmarks build theirs: every
student the student study distilled, shipped and synthesised (its seeds' mean validation AUC, yosys LUTs and
latency) is a real trial, and per family a least-squares line in log(static size) (weights × bits, or gates:
the family's own :meth:`~flowad.student.base.Student.static_cost`) predicts AUC, log LUTs and latency for any
point of a space shaped like the quickstart's (family, MLP widths, LGN widths, bits; 3 × 9 × 7 + 5 × 6 points,
every one enumerated, so the best reachable hypervolume is known). A sampler is run by the driver's own searcher
(``search.record.study_searcher.replay``: the same Optuna samplers, a configuration already run told FAIL and the sampler
asked again, an unseen one drawn when it is stuck). Reported: the hypervolume after N trials as a
fraction of the whole space's, mean ± std over seeds, and each sampler's own wall time per trial.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np

from flowad.student.config import StudentConfig
from flowad.student.families import STUDENT_FAMILIES
from search.front.pareto import hypervolume
from search.results.config import ResultsConfig
from search.results.pool import run_all
from search.results.stats import markdown_table, mean_std
from search.results.store import unit
from search.results.students import FAMILY_LABELS, StudentStudy

N_INPUTS = 18 * 14
MLP_WIDTHS = ("8", "16", "32", "64", "16-8", "32-16", "64-32", "32-16-8", "64-32-16")
LGN_WIDTHS = ("256-128", "512-256", "1024-512", "2048-1024", "4096-2048")
SPACE = {"family": ("qkeras", "hgq", "lgn"), "widths": MLP_WIDTHS, "lgn_widths": LGN_WIDTHS, "bits": tuple(range(2, 9))}
"""Every parameter is a choice, bits included (the quickstart's bits are an integer range, which GP and TPE model
differently; no run with that space is kept)."""
DIRECTIONS = ("max", "min", "min")
OBJECTIVES = ("val AUC", "LUT", "latency ns")
STUDY = "samplers"


def point_key(params: dict) -> tuple:
    """A configuration as its family sees it: each family reads its own widths parameter (LGN ``lgn_widths``)."""
    return (params["family"], params[STUDENT_FAMILIES[params["family"]].widths_param], params["bits"])


def static_size(key: tuple) -> float:
    family, widths, bits = key
    config = StudentConfig(family=family, widths=tuple(int(w) for w in widths.split("-")), bits=bits, integer_bits=min(2, bits - 1))
    return STUDENT_FAMILIES[family].static_cost(config, N_INPUTS)


@dataclass
class Surrogate:
    """Per family: (intercept, slope) in log size for AUC, log LUT and latency, fitted on the real students."""

    lines: dict[str, list[tuple[float, float]]]
    trials: int

    @classmethod
    def fit(cls, study: StudentStudy) -> "Surrogate":
        lines, used = {}, 0
        for family in FAMILY_LABELS:
            rows = []
            for label, student in study.config.students.items():
                if student["family"] != family or math.isnan(study.lut(label)):
                    continue
                key = (family, "-".join(map(str, student["widths"])), student.get("bits", 8))
                rows.append((math.log(static_size(key)), mean_std(study.metric(label, "auc", "val"))[0],
                             math.log(study.lut(label)), study.latency(label)))
            if not rows:
                continue
            used += len(rows)
            x = np.array([r[0] for r in rows])
            fits = []
            for j in (1, 2, 3):
                y = np.array([r[j] for r in rows])
                slope = float(np.polyfit(x, y, 1)[0]) if len(set(x)) > 1 else 0.0
                fits.append((float(np.mean(y) - slope * np.mean(x)), slope))
            lines[family] = fits
        return cls(lines, used)

    def __call__(self, key: tuple) -> tuple[float, float, float] | None:
        line = self.lines.get(key[0])
        if line is None:
            return None
        x = math.log(static_size(key))
        auc, log_lut, latency = (a + b * x for a, b in line)
        return float(np.clip(auc, 0.5, 1.0)), float(math.exp(log_lut)), float(max(latency, 0.0))


def run_sampler(name: str, seed: int, trials: int, table: dict[tuple, tuple]) -> tuple[np.ndarray, float]:
    """Objective values of ``trials`` configurations in the order the driver's searcher ran them with sampler
    ``name`` (``search.record.study_searcher.replay``: duplicates told FAIL, unseen draws), and its wall seconds.
    LGN bits above 6 are distinct configurations to the searcher but the same point here, so a run can repeat a
    point (it adds no hypervolume)."""
    import optuna
    from optuna.distributions import CategoricalDistribution

    from search.record.study import IN_MEMORY, StudyRef, optuna_directions
    from search.record.study_searcher import StudySearcher, replay

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = {**SPACE, "family": tuple(f for f in SPACE["family"] if any(k[0] == f for k in table))}  # the fitted ones
    distributions = {f"student.{k}": CategoricalDistribution(list(v)) for k, v in space.items()}
    ref = StudyRef(IN_MEMORY, f"{STUDY}-{name}-{seed}", optuna_directions(DIRECTIONS), name, seed, trials)
    searcher = StudySearcher(ref, distributions, ["auc", "lut", "latency_ns"])

    def objectives(params: dict) -> list[float]:
        return list(table[point_key({k.removeprefix("student."): v for k, v in params.items()})])

    start = time.perf_counter()
    ran = replay(searcher, objectives, trials)
    return np.array([objectives(p) for p in ran]), time.perf_counter() - start


def sampler_unit(cache: str, name: str, seed: int, trials: int, table: dict[tuple, tuple]) -> dict:
    """:func:`run_sampler`'s objective values and wall seconds, kept per (sampler, seed, trials, surrogate table,
    Optuna version) like every other unit, so that re-rendering the report does not run the samplers again."""
    import optuna

    spec = {"sampler": name, "seed": seed, "trials": trials, "optuna": optuna.__version__, "searcher": "StudySearcher",
            "table": sorted([list(k), list(v)] for k, v in table.items())}

    def run() -> dict:
        values, seconds = run_sampler(name, seed, trials, table)
        return {"values": values.tolist(), "seconds": seconds}

    return unit(cache, STUDY, spec, run)


@dataclass
class SamplerStudy:
    surrogate: Surrogate
    table: dict[tuple, tuple]
    best: float
    reference: list[float]
    hv: dict[str, dict[int, list[float]]]
    seconds: dict[str, list[float]]
    checkpoints: tuple[int, ...]

    def markdown(self) -> str:
        header = ["sampler"] + [f"N = {n}" for n in self.checkpoints] + ["sampler wall ms / trial"]
        rows = []
        for name, by_n in self.hv.items():
            cells = [f"{mean_std(by_n[n])[0]:.3f} ± {mean_std(by_n[n])[1]:.3f}" for n in self.checkpoints]
            rows.append([name] + cells + [f"{1000 * mean_std(self.seconds[name])[0] / max(self.checkpoints):.1f}"])
        return (f"Surrogate fitted to {self.surrogate.trials} real distilled, shipped and synthesised students; "
                f"{len(self.table)} distinct configurations; objectives {', '.join(OBJECTIVES)} (max, min, min); "
                f"hypervolume reference {self.reference[0]:.2f} AUC, {self.reference[1]:,.0f} LUT, {self.reference[2]:.1f} ns, "
                f"as a fraction of the whole space's; ± over {len(next(iter(self.seconds.values())))} seeds.\n\n"
                + markdown_table(header, rows))


def run_sampler_study(config: ResultsConfig, students: StudentStudy, workers: int = 1, progress=print,
                      address: str | None = None) -> SamplerStudy:
    surrogate = Surrogate.fit(students)
    keys = {point_key(dict(zip(SPACE, values))) for values in itertools.product(*SPACE.values())}
    table = {k: v for k in keys if (v := surrogate(k)) is not None}
    every = np.array(list(table.values()))
    reference = [0.5, float(every[:, 1].max() * 1.1), float(every[:, 2].max() * 1.1 + 1e-9)]
    best = hypervolume(every, DIRECTIONS, reference)
    study = config.samplers
    trials = min(study.trials, len(table))
    calls = [(sampler_unit, (str(config.data.cache), name, seed, trials, table)) for name in study.samplers for seed in range(study.seeds)]
    runs = run_all(calls, workers, address=address)
    hv: dict[str, dict[int, list[float]]] = {name: {n: [] for n in study.checkpoints} for name in study.samplers}
    seconds: dict[str, list[float]] = {name: [] for name in study.samplers}
    for run, name in zip(runs, (n for n in study.samplers for _ in range(study.seeds))):
        values = np.array(run["values"]).reshape(-1, len(DIRECTIONS))
        seconds[name].append(run["seconds"])
        for n in study.checkpoints:
            hv[name][n].append(hypervolume(values[:n], DIRECTIONS, reference) / best if best > 0 else math.nan)
    for name in study.samplers:
        progress(f"  sampler {name}: hypervolume fraction at N={study.checkpoints[-1]} "
                 f"{mean_std(hv[name][study.checkpoints[-1]])[0]:.3f}, {mean_std(seconds[name])[0]:.1f} s per search")
    return SamplerStudy(surrogate, table, best, reference, hv, seconds, tuple(study.checkpoints))

