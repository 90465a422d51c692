"""FrameQueue: commands before frames, coalesced frame requests in first-request order,
results and exceptions handed back to the caller, a clean stop."""

import threading

import pytest

from phyclone.plot.frame_queue import FrameQueue


class Canvas:
    pass


def test_commands_first_then_frames_in_first_request_order():
    q, a, b = FrameQueue(), Canvas(), Canvas()
    q.request(a)
    q.request(b)
    q.request(a)  # coalesced: still one frame, in its first place
    c = q.put(lambda x: x + 1, 1)
    assert len(q) == 3 and q.is_pending(a)
    assert q.take() == ("command", c)
    assert q.take() == ("frame", a) and not q.is_pending(a)
    q.discard(b)
    assert q.take(block=False) is None


def test_results_and_errors_reach_the_caller():
    q = FrameQueue()

    def consumer():
        while (item := q.take()) is not None:
            item[1].run()

    t = threading.Thread(target=consumer)
    t.start()
    try:
        assert q.put(lambda: 42).wait(5) == 42
        with pytest.raises(ZeroDivisionError):
            q.put(lambda: 1 / 0).wait(5)
    finally:
        q.stop()
        t.join(5)
    assert not t.is_alive()


def test_stop_cancels_what_is_queued_and_refuses_more():
    q = FrameQueue()
    pending = q.put(print, "never")
    q.request(Canvas())
    q.stop()
    assert q.take() is None and len(q) == 0
    with pytest.raises(RuntimeError, match="stopped"):
        pending.wait(1)
    with pytest.raises(RuntimeError, match="stopped"):
        q.put(print).wait(1)
