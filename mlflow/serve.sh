#!/usr/bin/env bash
# Start the MLflow UI on the default tracking store, listening on loopback only (127.0.0.1).
# One worker and no job execution: ~0.5 GiB instead of ~2.5 GiB for MLflow's defaults.
#   mlflow/serve.sh [PORT]      (default 5000)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
port="${1:-5000}"
mlflow_bin="${root}/.venv/bin/mlflow"
[ -x "$mlflow_bin" ] || mlflow_bin="$(command -v mlflow || true)"
if [ -z "$mlflow_bin" ]; then
  echo "mlflow/serve.sh: mlflow not installed; run 'make test' or 'make demo' first" >&2
  exit 2
fi
mkdir -p "${here}/artifacts"
export MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false
echo "MLflow UI: http://127.0.0.1:${port}  (store: ${here}/mlflow.db)"
exec "$mlflow_bin" server \
  --backend-store-uri "sqlite:///${here}/mlflow.db" \
  --default-artifact-root "${here}/artifacts" \
  --host 127.0.0.1 --port "$port" --workers 1
