"""Readers: ADC2021 HDF5 files and damaged inputs."""

import h5py
import numpy as np
import pytest

from flowad.data import load, read_adc2021
from flowad.data.readers import split_events
from flowad.errors import FlowadInputError


def adc2021_file(path, n=50, shape=(19, 4)):
    rng = np.random.default_rng(0)
    particles = rng.uniform(0, 100, (n, *shape))
    with h5py.File(path, "w") as f:
        f.create_dataset("Particles", data=particles)
        f.create_dataset("Particles_Names", data=[b"Pt", b"Eta", b"Phi", b"Class"])
    return particles


def test_adc2021_layout_is_read_as_57_features(tmp_path):
    particles = adc2021_file(tmp_path / "Ato4l_lepFilter_13TeV.h5")
    objects = read_adc2021(tmp_path / "Ato4l_lepFilter_13TeV.h5")
    assert objects.shape == (50, 57) and objects.dtype == np.float32
    np.testing.assert_allclose(objects[:, 3:6], particles[:, 1, :3].astype(np.float32))  # first electron
    arrays = load(tmp_path / "Ato4l_lepFilter_13TeV.h5")
    assert set(arrays) == {"Ato4l_lepFilter_13TeV"}
    assert sum(len(a) for a in arrays["Ato4l_lepFilter_13TeV"].values()) == 50


def test_split_events_is_reproducible_and_disjoint():
    rows = np.arange(100)[:, None]
    a = split_events(rows, {"train": 0.6, "val": 0.2, "test": 0.2}, seed=3)
    b = split_events(rows, {"train": 0.6, "val": 0.2, "test": 0.2}, seed=3)
    assert all((a[k] == b[k]).all() for k in a)
    assert sorted(np.concatenate(list(a.values())).ravel().tolist()) == list(range(100))
    assert len(a["train"]) == 60


@pytest.mark.parametrize("shape", [(19, 5), (18, 4)])
def test_wrong_hdf5_shape_is_refused(tmp_path, shape):
    adc2021_file(tmp_path / "bad.h5", shape=shape)
    with pytest.raises(FlowadInputError, match="expected \\(N, 19, 4\\)"):
        read_adc2021(tmp_path / "bad.h5")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_hdf5_values_are_refused_with_where(tmp_path, bad):
    from tests.conftest import run_cli
    from tests.test_cli import assert_one_line_error

    particles = adc2021_file(tmp_path / "bad.h5")
    particles[7, 3, 1] = bad  # event 7, slot 3 (an electron), eta
    with h5py.File(tmp_path / "bad.h5", "w") as f:
        f.create_dataset("Particles", data=particles)
    with pytest.raises(FlowadInputError, match=r"1 non-finite value.*event 7, slot 3, eta"):
        load(tmp_path / "bad.h5")
    assert_one_line_error(run_cli("data", "info", str(tmp_path / "bad.h5")), "bad.h5", "'Particles'", "event 7")


def test_the_combined_view_is_the_two_stored_views_side_by_side(micro_dataset):
    calo, objects, both = (load(micro_dataset, view, splits=("val",))["zerobias"]["val"] for view in ("calo", "objects", "calo+objects"))
    assert both.shape == (len(calo), 252 + 57) and both.dtype == np.float32
    np.testing.assert_array_equal(both[:, :252], calo.reshape(len(calo), -1))
    np.testing.assert_array_equal(both[:, 252:], objects)


def test_damaged_inputs_give_clear_errors(tmp_path, micro_dataset):
    (tmp_path / "junk.h5").write_bytes(b"not hdf5 at all")
    with pytest.raises(FlowadInputError, match="not a readable HDF5 file"):
        load(tmp_path / "junk.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.create_dataset("Jets", data=np.zeros((3, 4)))
    with pytest.raises(FlowadInputError, match="no 'Particles' dataset"):
        load(tmp_path / "other.h5")
    (tmp_path / "junk.parquet").write_bytes(b"PAR1 garbage")
    with pytest.raises(FlowadInputError, match="not a readable Parquet file"):
        load(tmp_path / "junk.parquet")
    with pytest.raises(FlowadInputError, match="no such file"):
        load(tmp_path / "absent")
    with pytest.raises(FlowadInputError, match="not a complete flowad dataset"):
        load(tmp_path)
    with pytest.raises(FlowadInputError, match="only the 'objects' view"):
        load(tmp_path / "other.h5", view="calo")
    with pytest.raises(FlowadInputError, match="no process 'ttbar'"):
        load(micro_dataset, processes=["ttbar"])


def test_truncated_shard_is_detected(tmp_path, micro_dataset):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(micro_dataset, copy)
    shard = next((copy / "zerobias").glob("*.parquet"))
    shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2])
    with pytest.raises(FlowadInputError, match=str(shard.name)):
        load(copy)
