"""Same numbers before and after a refactor: two quickstart trials with fixed parameters (HGQ 16-8 @6b, QKeras-style
16-8 @5b; 4 epochs; demo data), their metrics as JSON, and with --against the keys that differ from another run.

Run it at two commits (PYTHONPATH=<a worktree of the old commit> python bench/trial_numbers.py CONFIG old.json), then
python bench/trial_numbers.py CONFIG new.json --against old.json. CONFIG: a search config both commits can load
(issue 24: quickstart.yaml without its `menu:` line, which e88b131 does not know). It also reads the older layout
(search.config / search.trial) so an old commit runs it unchanged.
"""
import json, sys, tempfile
from dataclasses import replace
from pathlib import Path

try:
    from search.space.search_config import load_search_config
    from search.space.trial_spec import TrialSpec
    from search.running.trial import run_trial
    new = True
except ImportError:
    from search.config import load_search_config
    from search.trial import run_trial
    new = False

config, out = sys.argv[1], sys.argv[2]
against = sys.argv[sys.argv.index("--against") + 1] if "--against" in sys.argv else None
search = load_search_config(config)
search = replace(search, student={**search.student, "epochs": 4})
results = {}
for params in ({"teacher.depth": 4, "student.family": "hgq", "student.widths": "16-8", "student.bits": 6, "student.beta": 1e-7},
               {"teacher.depth": 4, "student.family": "qkeras", "student.widths": "16-8", "student.bits": 5}):
    with tempfile.TemporaryDirectory() as work:
        if new:
            r = run_trial(search, TrialSpec.of(search, params), work)
            metrics = dict(r.metrics)
        else:
            metrics = run_trial(search, params, work)
    results[params["student.family"]] = {k: v for k, v in metrics.items() if isinstance(v, float) and not k.startswith("time_")}
Path(out).write_text(json.dumps(results, indent=1, sort_keys=True))
print("ok", new)
if against:
    import math

    old = json.loads(Path(against).read_text())
    for family, metrics in results.items():
        same = lambda a, b: a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))  # noqa: E731
        differ = [k for k in sorted(set(metrics) | set(old.get(family, {}))) if not same(metrics.get(k), old.get(family, {}).get(k))]
        print(f"{family}: {len(metrics)} metrics, {len(differ)} differ{': ' + ', '.join(differ) if differ else ''}")
