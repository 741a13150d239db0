"""The supervised ceiling: a classifier that knows the signal, trained on validation signal, claimed on test."""

import numpy as np
import pytest

from flowad.errors import FlowadInputError
from flowad.metrics.ceiling import CeilingConfig, ceiling_scores, features
from flowad.metrics.rates import auc_interval
from flowad.metrics.reference import reference_for


def test_the_ceiling_separates_a_hard_signal_is_cached_and_never_scores_the_signal_it_learnt_from(micro_dataset, tmp_path):
    config = CeilingConfig(max_iter=50, background_events=100)
    scores = ceiling_scores(micro_dataset, "zerobias", ["wprime"], tmp_path, config)["wprime"]
    assert set(scores["zerobias"]) == {"val", "test"} and set(scores["wprime"]) == {"test"}  # val signal is training data
    auc, low, _ = auc_interval(scores["zerobias"]["test"], scores["wprime"]["test"])
    assert auc > 0.9 and low > 0.8  # a 2 TeV W' against pile-up: a classifier that knows it separates it
    cached = list((tmp_path / "ceiling").glob("*.npz"))
    assert len(cached) == 1
    again = ceiling_scores(micro_dataset, "zerobias", ["wprime"], tmp_path, config)["wprime"]
    np.testing.assert_array_equal(again["wprime"]["test"], scores["wprime"]["test"])
    other = ceiling_scores(micro_dataset, "zerobias", ["wprime"], tmp_path, CeilingConfig(max_iter=50, background_events=100, seed=1))
    assert len(list((tmp_path / "ceiling").glob("*.npz"))) == 2 and other  # another config is another classifier

    reference = reference_for(micro_dataset, "zerobias", ("val", "test"), tmp_path)
    perf = reference.evaluate(scores, "test", signals=["wprime"])
    assert perf.signals["wprime"].auc.value == pytest.approx(auc)


def test_the_ceiling_refuses_a_signal_it_cannot_train_on(micro_dataset, tmp_path):
    with pytest.raises(FlowadInputError, match="supervised ceiling.*no process 'nosuch'"):
        ceiling_scores(micro_dataset, "zerobias", ["nosuch"], tmp_path, CeilingConfig(max_iter=10, background_events=100))


def test_features_hold_every_input_and_the_sums():
    calo = np.zeros((2, 18, 14), np.uint16)
    calo[0, 1, 2] = 40
    objects = np.zeros((2, 57), np.float32)
    objects[1, 0] = 55.0  # MET
    x = features(objects, calo)
    assert x.shape == (2, 252 + 57 + 4)
    assert x[0, 252 + 57] == 40 and x[0, 252 + 58] == 40 and x[1, -1] == 55
