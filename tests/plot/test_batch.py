"""BatchAccumulator: several items -> one set_data call."""

import numpy as np
import pytest

from phyclone.plot.batch import BatchAccumulator, box_constant, box_rows
from phyclone.utils.errors import DataError


def test_concatenate_and_expand_rows():
    acc = BatchAccumulator()
    acc.add({"pos": np.zeros((3, 2)), "color": np.array([[1., 0, 0, 1]]), "size": 5},
            n_items=3, n_vertices=3, box_index=(0, 1))
    acc.add({"pos": np.ones((2, 2)), "color": np.array([[0., 1, 0, 1]] * 2), "size": 5},
            n_items=2, n_vertices=2, box_index=(1, 0))
    d = acc.data
    assert d.pos.shape == (5, 2)
    np.testing.assert_array_equal(d.color[:3], [[1, 0, 0, 1]] * 3)
    np.testing.assert_array_equal(d.color[3:], [[0, 1, 0, 1]] * 2)
    assert d.size == 5
    np.testing.assert_array_equal(d.box_index, [[0, 1]] * 3 + [[1, 0]] * 2)
    assert acc.n_items == 5 and acc.n_vertices == 5
    acc.reset()
    assert acc.data == {}


def test_same_box_stays_constant_and_noconcat_lists():
    acc = BatchAccumulator()
    for s in (["a", "bc"], ["d"]):
        acc.add({"text": s}, noconcat=("text",), n_items=len(s), n_vertices=3, box_index=2)
    d = acc.data
    assert d.text == ["a", "bc", "d"] and d.box_index == (2,)


def test_disagreeing_scalars_raise():
    acc = BatchAccumulator()
    acc.add({"size": 1}, n_items=1, n_vertices=1)
    acc.add({"size": 2}, n_items=1, n_vertices=1)
    with pytest.raises(DataError):
        acc.data


def test_box_helpers():
    assert box_constant(3, 10) == (3,)
    assert box_constant((1, 2), 10) == (1, 2)
    assert box_constant(np.array([4, 4, 4]), 3) == (4,)
    assert box_constant(np.array([1, 2, 3]), 3) is None
    np.testing.assert_array_equal(box_rows((1, 2), 2), [[1, 2], [1, 2]])
    np.testing.assert_array_equal(box_rows(np.array([0, 1, 2]), 3), [[0], [1], [2]])
    with pytest.raises(DataError):
        box_rows(np.array([0, 1, 2]), 4)
