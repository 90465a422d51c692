"""``ProgressReporter``: the progress of a long operation, as phy 0.x and phylib report it.

It counts ``value`` up to ``value_max`` and emits ``progress(value, value_max)`` then
``complete()`` once, to its own listeners (phy 0.x: ``@reporter.connect def on_progress(value,
value_max)``) and on the global bus with the reporter as sender (phylib: ``connect(on_progress,
sender=reporter)`` gets ``(sender, value, value_max)``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from .event import EventEmitter
from .event import emit as _emit_global

logger = logging.getLogger(__name__)


class ProgressReporter:
    """Progress of a long operation.

    >>> pr = ProgressReporter()
    >>> pr.value_max = 10
    >>> pr.increment()          # emits progress(1, 10)
    >>> pr.progress             # 0.1
    """

    def __init__(self, value_max: int = 0) -> None:
        self._callbacks: list[tuple[str, Callable[..., Any]]] = []  # (event name, function)
        self._value = 0
        self._value_max = int(value_max)
        self._complete = False

    # Events ---------------------------------------------------------------------------------
    def connect(self, func: Callable[..., Any] | None = None,
                event: str | None = None) -> Callable[..., Any]:
        """Register ``on_progress(value, value_max)`` / ``on_complete()`` (name or ``event=``);
        usable as a decorator."""
        if func is None:
            return lambda f: self.connect(f, event=event)
        self._callbacks.append((EventEmitter._event_name(func, event), func))
        return func

    def unconnect(self, *funcs: Callable[..., Any]) -> None:
        self._callbacks = [(e, f) for e, f in self._callbacks if f not in funcs]

    def emit(self, name: str, *args: Any, **kwargs: Any) -> list[Any]:
        """Call the listeners of ``name`` (own, then global with this reporter as sender)."""
        out = [f(*args, **kwargs) for e, f in list(self._callbacks) if e == name]
        _emit_global(name, self, *args, **kwargs)
        return out

    # Messages (phylib) ----------------------------------------------------------------------
    def set_progress_message(self, message: str, line_break: bool = False) -> None:
        """Print ``message`` formatted with ``value``, ``value_max`` and ``progress`` (in %)
        on every progress event."""
        def on_progress(value: int, value_max: int, **kwargs: Any) -> None:
            pct = 100 * value / value_max if value_max else 100
            text = message.format(value=value, value_max=value_max, progress=pct, **kwargs)
            sys.stdout.write(text + ("\n" if line_break else "\r"))
            sys.stdout.flush()
        self.connect(on_progress, event="progress")

    def set_complete_message(self, message: str) -> None:
        def on_complete(**kwargs: Any) -> None:
            sys.stdout.write(message.format(**kwargs) + "\n")
            sys.stdout.flush()
        self.connect(on_complete, event="complete")

    # State ----------------------------------------------------------------------------------
    def _set_value(self, value: int, **kwargs: Any) -> None:
        value = int(value)
        if value < 0:
            raise ValueError(f"A progress value cannot be negative (got {value}).")
        if self._value_max and value > self._value_max:
            raise ValueError(f"Progress value {value} is above value_max={self._value_max}.")
        self._value = value
        self.emit("progress", self._value, self._value_max, **kwargs)
        if not self._complete and self._value_max and self._value >= self._value_max:
            self._complete = True
            self.emit("complete", **kwargs)

    @property
    def value(self) -> int:
        """Current value (an integer between 0 and ``value_max``)."""
        return self._value

    @value.setter
    def value(self, value: int) -> None:
        self._set_value(value)

    @property
    def value_max(self) -> int:
        return self._value_max

    @value_max.setter
    def value_max(self, value_max: int) -> None:
        value_max = int(value_max)
        if value_max < 0:
            raise ValueError(f"value_max cannot be negative (got {value_max}).")
        self._value_max = value_max
        self._complete = bool(value_max) and self._value >= value_max

    @property
    def progress(self) -> float:
        """Fraction done, in [0, 1] (0 when ``value_max`` is 0)."""
        return self._value / self._value_max if self._value_max else 0.0

    def increment(self, n: int = 1, **kwargs: Any) -> None:
        """Add ``n`` to the value (emits ``progress``, and ``complete`` when reaching the max)."""
        self._set_value(min(self._value + int(n), self._value_max or self._value + int(n)),
                        **kwargs)

    def reset(self, value_max: int | None = None) -> None:
        """Back to 0 (optionally with a new ``value_max``)."""
        if value_max is not None:
            self.value_max = value_max
        self._value = 0
        self._complete = False

    def is_complete(self) -> bool:
        return self._complete

    def set_complete(self, **kwargs: Any) -> None:
        """Jump to the end (emits ``progress`` and ``complete``)."""
        if not self._value_max:
            self._value_max = max(self._value, 1)
        self._set_value(self._value_max, **kwargs)

    def __repr__(self) -> str:
        return f"<ProgressReporter {self._value}/{self._value_max}>"
