import pytest

from phyclone.utils.event import EventEmitter


@pytest.fixture
def ev():
    return EventEmitter()


class Sender:
    pass


def test_order_and_results(ev):
    calls = []
    for i in range(5):
        ev.connect(lambda sender, x, i=i: calls.append(i) or (i, x), event="select")
    assert ev.emit("select", None, 7) == [(i, 7) for i in range(5)]
    assert calls == list(range(5))
    assert ev.emit("nothing", None) == []


def test_last_runs_after_others(ev):
    calls = []
    ev.connect(lambda s: calls.append("last"), event="e", last=True)
    ev.connect(lambda s: calls.append("a"), event="e")
    ev.connect(lambda s: calls.append("b"), event="e")
    ev.emit("e", None)
    assert calls == ["a", "b", "last"]


def test_on_name_and_decorators(ev):
    @ev.connect
    def on_select(sender, ids, key=None):
        return ("plain", ids, key)

    @ev.connect(sender="x")
    def on_select_done(sender):
        return "with args"

    assert ev.emit("select", None, [1, 2], key=3) == [("plain", [1, 2], 3)]
    assert ev.emit("select_done", "x") == ["with args"]
    with pytest.raises(ValueError, match="on_<event>"):
        ev.connect(lambda s: None)
    with pytest.raises(ValueError):
        @ev.connect
        def on_(sender):
            pass


def test_sender_filtering(ev):
    a, b = Sender(), Sender()
    got = []
    ev.connect(lambda s: got.append(("a", s)), event="e", sender=a)
    ev.connect(lambda s: got.append(("any", s)), event="e")
    ev.emit("e", a)
    ev.emit("e", b)
    ev.emit("e", None)
    assert got == [("a", a), ("any", a), ("any", b), ("any", None)]


def test_sender_identity_not_equality(ev):
    class Eq:
        def __eq__(self, other):
            return True
        __hash__ = object.__hash__

    a, b = Eq(), Eq()
    ev.connect(lambda s: "a", event="e", sender=a)
    assert ev.emit("e", b) == []
    assert ev.emit("e", a) == ["a"]


def test_unconnect_by_function_sender_and_object(ev):
    a, b = Sender(), Sender()

    def f(sender):
        return "f"

    def g(sender):
        return "g"

    class View:
        def on_e(self, sender):
            return "method"

    view = View()
    ev.connect(f, event="e")
    ev.connect(g, event="e", sender=a)
    ev.connect(g, event="e", sender=b)
    ev.connect(view.on_e)
    assert ev.emit("e", a) == ["f", "g", "method"]

    ev.unconnect(a)  # every callback registered for sender a
    assert ev.emit("e", a) == ["f", "method"]
    assert ev.emit("e", b) == ["f", "g", "method"]

    ev.unconnect(view.on_e)  # a new bound-method object, equal to the registered one
    assert ev.emit("e", b) == ["f", "g"]

    ev.connect(view.on_e)
    ev.unconnect(view)  # every bound method of view
    ev.unconnect(f)
    assert ev.emit("e", b) == ["g"]

    ev.unconnect()  # nothing given: nothing removed (as phy)
    assert ev.emit("e", b) == ["g"]


def test_silent_nested(ev):
    got = []
    ev.connect(lambda s: got.append(1), event="e")
    with ev.silent():
        with ev.silent():
            assert ev.emit("e", None) == []
        assert ev.emit("e", None) == []
        assert ev.is_silent
    assert ev.emit("e", None) == [None]
    assert got == [1]
    with pytest.raises(RuntimeError):
        with ev.silent():
            raise RuntimeError()
    assert not ev.is_silent


def test_single(ev):
    ev.connect(lambda s: 1, event="e")
    ev.connect(lambda s: 2, event="e")
    assert ev.emit("e", None, single=True) == 1
    assert ev.emit("other", None, single=True) is None


def test_connect_during_emit_does_not_run_new_callback(ev):
    def on_e(sender):
        ev.connect(lambda s: "late", event="e")
        return "first"
    ev.connect(on_e)
    assert ev.emit("e", None) == ["first"]
    assert ev.emit("e", None) == ["first", "late"]


def test_global_bus():
    from phyclone import connect, emit, silent, unconnect

    @connect
    def on_phyclone_test_event(sender, x):
        return x + 1

    try:
        assert emit("phyclone_test_event", None, 1) == [2]
        with silent():
            assert emit("phyclone_test_event", None, 1) == []
    finally:
        unconnect(on_phyclone_test_event)
    assert emit("phyclone_test_event", None, 1) == []
