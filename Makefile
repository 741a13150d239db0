# flowad: two commands do everything on a fresh machine.
#   make demo   set up .venv and run the main job
#   make test   set up .venv and run the test suite
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= data

LOCK   := constraints.txt

.PHONY: demo test venv lock clean bench mlflow-ui results

venv: $(STAMP)

# Every version comes from the lock (constraints.txt, written by `make lock`): a fresh clone gets the set the suite
# passed on, whatever the registries hold today. torch first, pinned, so pip takes the CPU build from local disk;
# then the project, whose torch range it satisfies. check_lock prints the key versions and fails on any drift.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c $(LOCK) --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -c $(LOCK) --build-constraint $(LOCK) -e '.[test,rule4ml]'
	$(BIN)/python .ci/check_lock.py $(LOCK)
	touch $(STAMP)

# Re-resolve every dependency from pyproject.toml's ranges in a new venv, run the suite on it, and only then
# rewrite constraints.txt (the scheduled upgrade: run it, read the diff it prints, commit the lock).
lock:
	PYTHON=$(PYTHON) .ci/lock

# the quickstart search (generates the demo data on first use); each run is a new search, named by time
demo: $(STAMP)
	$(BIN)/flowad search run configs/search/quickstart.yaml --name quickstart-$$(date +%Y%m%d-%H%M%S)

# the studies behind the project's claims, regenerated into docs/results.md (FULL=1: configs/results/full.yaml;
# ADDRESS=host:port runs the units on that Ray cluster)
results: $(STAMP)
	$(BIN)/flowad results $(if $(FULL),--full,) $(if $(ADDRESS),--address $(ADDRESS),) --out docs/results.md

# Two pytest workers, one test file each at a time (files share their datasets, teachers and Ray sessions through
# module fixtures): on a 2-core machine like CI's the suite took 1,259 s against 1,574 s in one process, because most of its wall
# time is subprocesses starting and waiting (Ray, MLflow, yosys). TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -q --durations=12 $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

bench: $(STAMP)
	$(BIN)/python bench/data_generation.py
	$(BIN)/flowad data generate --config configs/data/demo.yaml --out $(DATA) --no-progress
	$(BIN)/python bench/pileup_pool.py
	$(BIN)/python bench/baseline_firmware.py
	$(BIN)/python bench/teachers.py --data $(DATA)/demo --cache $(DATA)
	$(BIN)/python bench/models.py --data $(DATA)/demo
	$(BIN)/python bench/teacher_throughput.py --data $(DATA)/demo
	$(BIN)/python bench/hardware.py --data $(DATA)/demo
	$(BIN)/python bench/search_platform.py all

mlflow-ui: $(STAMP)
	mlflow/serve.sh

clean:
	rm -rf $(VENV) build *.egg-info
