"""Global event bus: ``connect``, ``emit``, ``unconnect``, ``silent`` (phy's plugin-facing API).

Callbacks run in registration order (those connected with ``last=True`` after all others).
A callback registered with a ``sender`` only receives events emitted by that exact object.
A function named ``on_<event>`` connects to ``<event>``. Callbacks receive the sender first:
``emit('select', view, [3, 5])`` calls ``f(view, [3, 5])``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

logger = logging.getLogger(__name__)


def _same(a: object, b: object) -> bool:
    """Identity, or equality for the plain values (str, int) sometimes used as senders."""
    if a is b:
        return True
    return type(a) in (str, int) and type(b) is type(a) and a == b


class EventEmitter:
    """Register callbacks for named events and call them on ``emit``."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Remove every callback and leave silent mode."""
        # (event, sender, callback, last)
        self._callbacks: list[tuple[str, object, Callable[..., Any], bool]] = []
        self._silent = 0

    @staticmethod
    def _event_name(f: Callable[..., Any], event: str | None) -> str:
        if event is not None:
            return event
        name = getattr(f, "__name__", "")
        if not name.startswith("on_") or len(name) == 3:
            raise ValueError(
                f"Cannot infer the event name of {f!r}: name the function on_<event> "
                "or pass event=...")
        return name[3:]

    def connect(self, f: Callable[..., Any] | None = None, event: str | None = None,
                sender: object = None, last: bool = False, **kwargs: Any) -> Callable[..., Any]:
        """Register ``f`` for ``event`` (default: inferred from the name ``on_<event>``).

        With ``sender``, ``f`` only receives events emitted by that object. With ``last=True``
        it runs after the callbacks registered without it. Usable as a decorator, with or
        without arguments. Returns ``f``.
        """
        if f is None:
            return partial(self.connect, event=event, sender=sender, last=last, **kwargs)
        event = self._event_name(f, event)
        self._callbacks.append((event, sender, f, bool(last)))
        return f

    def unconnect(self, *items: object) -> None:
        """Remove callbacks: each item is a callback, or a sender (all its callbacks go), or an
        object whose bound methods are connected (they all go)."""
        def matches(sender: object, f: Callable[..., Any], it: object) -> bool:
            return (f is it or (type(f) is type(it) and f == it)  # bound methods compare equal
                    or (sender is not None and _same(sender, it))
                    or getattr(f, "__self__", None) is it)
        self._callbacks = [
            c for c in self._callbacks if not any(matches(c[1], c[2], it) for it in items)]

    def callbacks(self, event: str, sender: object = None) -> list[Callable[..., Any]]:
        """Callbacks that ``emit(event, sender)`` would call, in calling order."""
        sel = [(f, last) for (e, s, f, last) in self._callbacks
               if e == event and (s is None or _same(s, sender))]
        return [f for f, last in sel if not last] + [f for f, last in sel if last]

    def emit(self, event: str, sender: object = None, *args: Any, single: bool = False,
             **kwargs: Any) -> Any:
        """Call every callback of ``event`` for this sender as ``f(sender, *args, **kwargs)``.

        Returns the list of their results (empty when silent). With ``single=True``, only the
        first callback runs and its result is returned (None if there is none).
        """
        if self._silent:
            return None if single else []
        res = []
        for f in self.callbacks(event, sender):
            logger.log(5, "emit %s from %s to %r", event, type(sender).__name__, f)
            res.append(f(sender, *args, **kwargs))
            if single:
                return res[0]
        return None if single else res

    @contextmanager
    def silent(self) -> Iterator[None]:
        """Context manager in which ``emit`` calls nothing (nestable)."""
        self._silent += 1
        try:
            yield
        finally:
            self._silent -= 1

    @property
    def is_silent(self) -> bool:
        return self._silent > 0


_EVENT = EventEmitter()

connect = _EVENT.connect
unconnect = _EVENT.unconnect
emit = _EVENT.emit
silent = _EVENT.silent
reset = _EVENT.reset


def set_silent(silent_: bool) -> None:
    """Silence (True) or restore (False) the global event bus (phylib's ``set_silent``)."""
    _EVENT._silent = 1 if silent_ else 0
