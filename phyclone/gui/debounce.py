"""Debouncer: run the latest submitted call at most once per ``delay`` milliseconds."""

import time

from phyclone.qt import QTimer

from .app import _wait, log_exceptions


class Debouncer:
    """Rate-limit calls in a Qt application.

    ``submit(f, *args, key=None)`` runs ``f`` at once when the last run is older than
    ``delay`` ms; otherwise it is kept (replacing any pending call with the same key) and run
    when the delay has passed. Used for rapid selections (held arrow keys, mouse drags).
    """

    delay = 50

    def __init__(self, delay=None):
        self.delay = delay if delay is not None else self.delay
        self._last = -float("inf")
        self.pending_functions = {}
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.trigger)

    @property
    def is_waiting(self):
        """Whether calls are waiting for the delay to pass."""
        return self._timer.isActive()

    def _elapsed_ms(self):
        return (time.monotonic() - self._last) * 1000.

    def submit(self, f, *args, key=None, **kwargs):
        """Submit a call: run now if allowed, or when the delay since the last run has passed."""
        self.pending_functions[key] = (f, args, kwargs)
        elapsed = self._elapsed_ms()
        if elapsed >= self.delay and not self._timer.isActive():
            self.trigger()
        elif not self._timer.isActive():
            self._timer.start(max(0, int(self.delay - elapsed)))

    def trigger(self):
        """Run the pending calls now."""
        self._timer.stop()
        self._last = time.monotonic()
        pending, self.pending_functions = self.pending_functions, {}
        for f, args, kwargs in pending.values():
            log_exceptions(f)(*args, **kwargs)

    def cancel(self):
        """Drop the pending calls and stop the timer (the receiver is going away)."""
        self._timer.stop()
        self.pending_functions = {}

    def stop_waiting(self, delay=0):
        """Stop the timer and run the pending calls (e.g. when closing the GUI).

        With ``delay`` (seconds) > 0, only do so if calls are still pending after that delay.
        """
        if delay:
            _wait(delay * 1000)
        if self.pending_functions:
            self.trigger()
        else:
            self._timer.stop()
