import numpy as np

from flowad.data.event_table import EventTable, gather_rows, stack_by_row, top_k


def table(rows, values, n):
    return EventTable(n, np.array(rows), {"v": np.array(values, float)})


def test_gather_rows_in_requested_order_with_repeats():
    offsets = np.array([0, 2, 2, 5])  # row 0: 0,1; row 1: none; row 2: 2,3,4
    index, owner = gather_rows(offsets, np.array([2, 0, 2, 1]))
    assert index.tolist() == [2, 3, 4, 0, 1, 2, 3, 4]
    assert owner.tolist() == [0, 0, 0, 1, 1, 2, 2, 2]


def test_stack_by_row_keeps_earlier_tables_first_per_event():
    a = table([0, 0, 2], [1, 2, 3], 3)
    b = table([0, 1, 1, 2], [10, 20, 21, 30], 3)
    merged = stack_by_row([a, b], 3)
    assert merged.row.tolist() == [0, 0, 0, 1, 1, 2, 2]
    assert merged["v"].tolist() == [1, 2, 10, 20, 21, 3, 30]


def test_top_k_descending_with_padding():
    t = table([0, 0, 0, 2], [5, 9, 7, 1], 3)
    best = top_k(t, "v", 2)
    assert best.tolist() == [[1, 2], [-1, -1], [3, -1]]
