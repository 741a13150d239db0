import numpy as np

from flowad.data import geometry as g


def test_tower_grid_matches_cms_regions():
    assert (g.N_ETA_TOWERS, g.N_PHI_TOWERS) == (80, 72)
    central = g.TOWER_ETA_EDGES[g.CENTRAL_ETA_SLICE.start:g.CENTRAL_ETA_SLICE.stop + 1]
    assert central[0] == -3.0 and central[-1] == 3.0
    # every fourth central tower edge is a region edge
    np.testing.assert_allclose(central[::4][7:], g.REGION_ETA_EDGES_ONE_SIDE)


def test_tower_index_bounds_and_phi_wrap():
    idx = g.tower_index(np.array([-5.01, -4.999, 0.0, 4.999, 5.01]), np.array([0.0, 0.0, 2 * np.pi + 0.01, -0.01, 0.0]))
    assert idx[0] == -1 and idx[-1] == -1
    assert idx[1] == 0
    assert idx[2] == 40 * 72 + 0  # phi wraps to the first tower
    assert idx[3] == 79 * 72 + 71  # phi just below zero is the last tower


def test_regions_sum_central_towers_in_cicada_order():
    rng = np.random.default_rng(0)
    towers = rng.uniform(0, 3, (2, g.N_ETA_TOWERS, g.N_PHI_TOWERS))
    regions = g.towers_to_regions(towers)
    assert regions.shape == (2, 18, 14)
    np.testing.assert_allclose(regions.sum(axis=(1, 2)), towers[:, g.CENTRAL_ETA_SLICE].sum(axis=(1, 2)))
    # region (iphi=2, ieta=5) is towers phi 8..11, central eta 20..23
    expected = towers[0, g.CENTRAL_ETA_SLICE][20:24, 8:12].sum()
    assert np.isclose(regions[0, 2, 5], expected)
    assert np.isclose(regions[0].ravel()[14 * 2 + 5], expected)
