"""Global event bus: ``connect``, ``emit``, ``unconnect``, ``silent`` (phy's plugin-facing API).

Callbacks run in registration order. A callback registered with a ``sender`` only receives
events emitted by that exact object. A function named ``on_<event>`` connects to ``<event>``.
"""

import logging
from contextlib import contextmanager
from functools import partial

logger = logging.getLogger(__name__)


class EventEmitter:
    """Register callbacks for named events and call them on ``emit``."""

    def __init__(self):
        self.reset()

    def reset(self):
        """Remove every callback."""
        self._callbacks = []  # list of (event, sender, callback)
        self._silent = 0

    @staticmethod
    def _event_name(f, event):
        if event is not None:
            return event
        name = getattr(f, "__name__", "")
        if not name.startswith("on_"):
            raise ValueError(
                f"Cannot infer the event name of {f!r}: name the function on_<event> "
                "or pass event=...")
        return name[3:]

    def connect(self, f=None, event=None, sender=None, first=False, **kwargs):
        """Register ``f`` for ``event`` (inferred from ``on_<event>``); usable as a decorator."""
        if f is None:
            return partial(self.connect, event=event, sender=sender, first=first, **kwargs)
        event = self._event_name(f, event)
        item = (event, sender, f)
        if first:
            self._callbacks.insert(0, item)
        else:
            self._callbacks.append(item)
        return f

    def unconnect(self, *items):
        """Remove callbacks: each item is a callback or a sender (all its callbacks go).

        Without arguments, remove every callback.
        """
        if not items:
            self._callbacks = []
            return
        self._callbacks = [
            (e, s, f) for (e, s, f) in self._callbacks
            if not any(f is it or f == it or (s is not None and s is it) for it in items)]

    def callbacks(self, event, sender=None):
        """Callbacks that would run for ``emit(event, sender)``, in order."""
        return [f for (e, s, f) in self._callbacks if e == event and (s is None or s is sender)]

    def emit(self, event, sender=None, *args, single=False, **kwargs):
        """Call every callback of ``event`` for this sender and return their results.

        With ``single=True`` return the first result only (None when no callback ran).
        """
        if self._silent:
            return None if single else []
        res = []
        for f in self.callbacks(event, sender):
            logger.log(5, "emit %s from %r to %r", event, sender, f)
            res.append(f(sender, *args, **kwargs))
            if single:
                return res[0]
        return (res[0] if res else None) if single else res

    @contextmanager
    def silent(self):
        """Context manager in which ``emit`` does nothing."""
        self._silent += 1
        try:
            yield
        finally:
            self._silent -= 1


_EVENT = EventEmitter()

connect = _EVENT.connect
unconnect = _EVENT.unconnect
emit = _EVENT.emit
silent = _EVENT.silent
reset = _EVENT.reset
