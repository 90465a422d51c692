import copy
import logging
import pickle

import pytest

from phyclone import Bunch, DataError, add_default_handler


def test_bunch():
    b = Bunch(a=1, c=[1])
    b.d = 2
    assert b["d"] == 2 and b.a == 1 and "d" in dir(b)
    del b.d
    with pytest.raises(AttributeError):
        b.d
    with pytest.raises(AttributeError):
        del b.d
    for other in (pickle.loads(pickle.dumps(b)), copy.deepcopy(b), b.copy(deep=True)):
        assert type(other) is Bunch and other == b and other.c == [1]
        other.c.append(2)
        assert b.c == [1]
    shallow = b.copy()
    shallow.x = 1
    assert type(shallow) is Bunch and "x" not in b and shallow.c is b.c


def test_data_error_message():
    e = DataError("/d/spike_times.npy", "is truncated", "re-export the dataset")
    assert str(e) == "/d/spike_times.npy: is truncated — fix: re-export the dataset"
    assert isinstance(e, ValueError) and e.path == "/d/spike_times.npy" and e.fix
    assert str(DataError(None, "bad")) == "bad"


def test_add_default_handler_idempotent():
    logger = logging.getLogger("phyclone.test_handler")
    h1 = add_default_handler("DEBUG", logger=logger)
    h2 = add_default_handler("WARNING", logger=logger)
    try:
        assert h1 is h2 and logger.handlers.count(h1) == 1 and h1.level == logging.WARNING
    finally:
        logger.removeHandler(h1)
