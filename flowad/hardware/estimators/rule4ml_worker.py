"""Child process of the rule4ml estimator: JSON request on stdin → one JSON line of predictions on stdout.

torch-geometric is imported first: importing it after TensorFlow segfaults.
"""

from __future__ import annotations

import json
import os
import sys

TARGETS = ("LUT", "FF", "DSP", "BRAM", "CYCLES", "INTERVAL")


def main() -> None:
    request = json.loads(sys.stdin.read())
    import torch_geometric  # noqa: F401  (before TensorFlow)

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    from rule4ml.models.wrappers import MultiModelWrapper

    layers = [keras.Input((request["n_inputs"],))]
    layers += [keras.layers.Dense(w, activation="relu") for w in request["widths"]] + [keras.layers.Dense(1)]
    model = keras.Sequential(layers)
    model.build((None, request["n_inputs"]))
    wrapper = MultiModelWrapper()
    wrapper.load_default_models()
    hls = {"board": request["board"], "model": {"strategy": request["strategy"], "precision": request["precision"],
                                                "reuse_factor": request["reuse_factor"]}}
    table = wrapper.predict([model], hls_configs=[hls], hls4ml_versions=[request["hls4ml_version"]])
    answer = {t: float(table[t].median()) for t in TARGETS}
    answer["n_versions"] = len(table)
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
