"""FrameQueue: the one channel from the GUI thread (and workers) to a GL thread.

Two kinds of items go through it, both taken by the GL thread in this order:

* **commands** (``call`` / ``post``): a function to run with the GL context current
  (uploading a texture, deleting a canvas' objects, reading the OpenGL version). They are
  run first, in the order they were put; ``call`` returns a ``Command`` whose ``wait()``
  gives the result or raises the function's exception in the caller's thread;
* **frame requests** (``request``): "draw this canvas again". Requests are coalesced (a
  canvas asked for twice before its frame was drawn gets one frame, drawn with the data it
  has then) and served in the order of their first request.

The queue knows nothing about canvases but their identity; what a frame is, is the
canvas' business (``canvas.render_frame()`` in the GL thread, ``canvas.show_frame(result)``
back on the GUI thread). Nothing here imports Qt or OpenGL.
"""

import threading
from collections import OrderedDict, deque


class Command:
    """``f(*args)`` to run in the GL thread; ``wait()`` for its result (or exception)."""

    __slots__ = ("f", "args", "_done", "_result", "_error")

    def __init__(self, f, args):
        self.f, self.args = f, args
        self._done = threading.Event()
        self._result = self._error = None

    def run(self):
        """Run it (GL thread). Never raises: the error goes to ``wait()``."""
        try:
            self._result = self.f(*self.args)
        except BaseException as e:
            self._error = e
        finally:
            self._done.set()

    def cancel(self, reason):
        """Make ``wait()`` raise ``RuntimeError(reason)`` (the queue stopped before it ran)."""
        if not self._done.is_set():
            self._error = RuntimeError(reason)
            self._done.set()

    def wait(self, timeout=None):
        """The function's result, once it ran; its exception is raised here."""
        if not self._done.wait(timeout):
            raise TimeoutError("the OpenGL thread did not run the command in time")
        if self._error is not None:
            raise self._error
        return self._result


class FrameQueue:
    """Commands and coalesced frame requests for one GL thread (thread-safe)."""

    def __init__(self):
        self._cv = threading.Condition()
        self._commands = deque()
        self._frames = OrderedDict()  # id(canvas) -> canvas, in the order of first request
        self.stopped = False

    # Producers (any thread) -------------------------------------------------------------------
    def request(self, canvas):
        """Ask for a frame of ``canvas`` (one frame for several requests)."""
        with self._cv:
            if not self.stopped:
                self._frames.setdefault(id(canvas), canvas)
                self._cv.notify()

    def discard(self, canvas):
        """Forget a requested frame (the canvas is being closed)."""
        with self._cv:
            self._frames.pop(id(canvas), None)

    def is_pending(self, canvas):
        """Whether a frame of ``canvas`` is requested and not taken yet."""
        with self._cv:
            return id(canvas) in self._frames

    def put(self, f, *args):
        """Queue the command ``f(*args)``; returns it (``.wait()`` for the result)."""
        command = Command(f, args)
        with self._cv:
            if self.stopped:
                command.cancel("the OpenGL thread has stopped")
                return command
            self._commands.append(command)
            self._cv.notify()
        return command

    def stop(self):
        """No more items: the GL thread's ``take()`` returns None, queued commands fail."""
        with self._cv:
            self.stopped = True
            commands, self._commands = list(self._commands), deque()
            self._frames.clear()
            self._cv.notify_all()
        for c in commands:
            c.cancel("the OpenGL thread has stopped")

    # Consumer (the GL thread) -----------------------------------------------------------------
    def take(self, block=True):
        """The next item: ``("command", Command)`` first, else ``("frame", canvas)``; None
        when stopped (or, with ``block=False``, when there is nothing to do)."""
        with self._cv:
            while block and not (self._commands or self._frames or self.stopped):
                self._cv.wait()
            if self.stopped:
                return None
            if self._commands:
                return "command", self._commands.popleft()
            if self._frames:
                return "frame", self._frames.popitem(last=False)[1]
            return None

    def __len__(self):
        with self._cv:
            return len(self._commands) + len(self._frames)
