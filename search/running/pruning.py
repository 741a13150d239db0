"""Early stopping of hopeless trials when there are several objectives.

Tune's schedulers (ASHA, median stopping) rank trials on one metric, and Optuna cannot prune
multi-objective trials. The objectives here are known only at the end of a trial (AUC needs the final
student; LUTs need its weights), but two things are known at every epoch:

- the validation loss of the distillation (how well the student follows the teacher; lower is better), and
- the **static cost** of the architecture: weights × bits for Keras students, gates for logic-gate students
  (a hardware-size proxy fixed before training).

Rule (a dominated-at-rung check): at each rung epoch, a trial is stopped when at least ``k`` trials of the
same student family have already passed that rung with a lower-or-equal validation loss *and* a
lower-or-equal static cost, one of them strictly. Such a trial is dominated on both of its
cost-vs-fidelity axes by ``k`` others, so it is unlikely to reach the final front; with ``k ≥ 2`` one lucky
trial cannot stop the rest. Losses are compared only within a family (their targets are normalised the same
way). A stopped trial ends without objective values and reaches Optuna as PRUNED, so truncated results never
enter the study or the front.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ray.tune.schedulers import FIFOScheduler, TrialScheduler


@dataclass(frozen=True)
class RungRecord:
    trial_id: str
    family: str
    val_loss: float
    static_cost: float


def dominators(record: RungRecord, passed: list[RungRecord]) -> int:
    """How many earlier records at the same rung dominate ``record`` on (val_loss, static_cost)."""
    count = 0
    for other in passed:
        if other.trial_id == record.trial_id or other.family != record.family:
            continue
        if (other.val_loss <= record.val_loss and other.static_cost <= record.static_cost
                and (other.val_loss < record.val_loss or other.static_cost < record.static_cost)):
            count += 1
    return count


class DominatedAtRungScheduler(FIFOScheduler):
    """FIFO scheduling plus the dominated-at-rung stop rule above.

    Reads ``epoch`` (1-based), ``val_loss``, ``static_cost`` and ``family`` from intermediate results.
    """

    _supports_buffered_results = False  # decide on every epoch's result, not on batches

    def __init__(self, rungs: tuple[int, ...], dominated_by: int = 2):
        super().__init__()
        self.rungs = set(rungs)
        self.dominated_by = dominated_by
        self.passed: dict[int, list[RungRecord]] = defaultdict(list)
        self.stopped: dict[str, int] = {}

    def on_trial_result(self, tune_controller, trial, result: dict) -> str:
        epoch = result.get("epoch")
        if epoch not in self.rungs or "val_loss" not in result or "static_cost" not in result:
            return TrialScheduler.CONTINUE
        record = RungRecord(trial.trial_id, str(result.get("family")), float(result["val_loss"]), float(result["static_cost"]))
        beaten_by = dominators(record, self.passed[epoch])
        self.passed[epoch].append(record)
        if beaten_by >= self.dominated_by:
            self.stopped[trial.trial_id] = epoch
            return TrialScheduler.STOP
        return TrialScheduler.CONTINUE

    def debug_string(self) -> str:
        return f"DominatedAtRung(rungs={sorted(self.rungs)}, k={self.dominated_by}, stopped={len(self.stopped)})"
