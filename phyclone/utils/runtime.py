"""The runtime policy: every knob of threads, priorities, garbage collection, rendering and
process set-up that the environment can change, in one place.

Each setting is declared once in ``SETTINGS`` with its environment variable, default and
meaning (the documentation's table of environment variables is generated from it). ``policy()`` reads them all
the first time it is called and returns the same frozen object afterwards;
``reload_policy()`` reads them again (tests, and a process that changed its environment
before starting the GUI). Nothing here imports Qt. The process-wide parts are applied
explicitly: ``prepare_imports`` (environment defaults, before qtpy / PyOpenGL are imported)
and ``prepare_process`` (before the QApplication exists).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Mapping
from typing import Any
from dataclasses import dataclass, fields

logger = logging.getLogger(__name__)


def _cores() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True)
class Setting:
    """One environment variable: ``field`` of the policy, its ``default`` (a value or a
    callable returning one), its ``kind`` (``int``, ``float``, ``bool``, ``str``, ``tri``:
    unset / 0 / 1) and a sentence saying what it does."""
    field: str
    env: str
    default: object
    kind: str
    doc: str
    minimum: float | None = None
    shown: str | None = None  # the default as the docs say it, when it depends on the machine

    def default_value(self) -> Any:  # of the type its kind says
        return self.default() if callable(self.default) else self.default

    def read(self, environ: Mapping[str, str]) -> Any:  # of the type its kind says
        """The value in ``environ``; a bad value is reported once and the default kept."""
        raw = environ.get(self.env, "").strip()
        default = self.default_value()
        if not raw:
            return default
        try:
            if self.kind == "int":
                value: Any = int(raw)  # int, float, bool or str: the kind says
            elif self.kind == "float":
                value = float(raw)
            elif self.kind in ("bool", "tri"):
                if raw not in ("0", "1"):
                    raise ValueError(raw)
                value = raw == "1"
            else:
                value = raw
        except ValueError:
            logger.warning("Ignoring %s=%r: expected %s (default: %r).", self.env, raw,
                           "0 or 1" if self.kind in ("bool", "tri") else f"a {self.kind}",
                           default)
            return default
        if self.minimum is not None and value < self.minimum:
            value = type(value)(self.minimum)
        return value


SETTINGS = (
    # Threads and priorities.
    Setting("gl_threads", "PHYCLONE_GL_THREADS", lambda: max(1, min(2, _cores())), "int",
            "OpenGL rendering threads (each owns a context; canvases are given one round robin).",
            minimum=1, shown="2 (1 on one core)"),
    Setting("render_thread", "PHYCLONE_RENDER_THREAD", True, "bool",
            "Render frames in GL threads (0: on the GUI thread, one frame per event-loop turn)."),
    Setting("render_niceness", "PHYCLONE_RENDER_NICENESS", 3, "int",
            "Niceness added to the GL and splatting threads, so the GUI thread runs first."),
    Setting("worker_niceness", "PHYCLONE_WORKER_NICENESS", 5, "int",
            "Niceness added to the worker threads that prepare the views' data."),
    Setting("worker_threads", "PHYCLONE_WORKER_THREADS", lambda: max(2, min(4, _cores())), "int",
            "Worker threads preparing the views' data off the GUI thread.", minimum=1,
            shown="one per core, 2 to 4"),
    Setting("switch_interval", "PHYCLONE_SWITCH_INTERVAL", 5e-4, "float",
            "Python's thread switch interval (s) in the GUI (default 5 ms in Python): short, so "
            "the GUI thread does not wait for a worker to hand over the GIL.", minimum=1e-5),
    # Garbage collection.
    Setting("idle_gc", "PHYCLONE_IDLE_GC", True, "bool",
            "Freeze the heap and run full garbage collections only when the GUI is idle."),
    Setting("gc_cap_mb", "PHYCLONE_GC_CAP_MB", 512, "int",
            "Memory (MB) that may be frozen since the last full collection before one runs "
            "even while the user keeps selecting clusters.", minimum=16),
    # Rendering.
    Setting("opengl", "PHYCLONE_OPENGL", "auto", "str",
            "'software' forces Mesa software OpenGL (llvmpipe) instead of probing the hardware."),
    Setting("soft_raster", "PHYCLONE_SOFT_RASTER", None, "tri",
            "Software splatting of big point clouds: unset = only on software OpenGL, "
            "1 = always, 0 = never."),
    Setting("soft_raster_min_vertices", "PHYCLONE_SOFT_RASTER_MIN_VERTICES", 20000, "int",
            "Visuals with fewer vertices are drawn by OpenGL even when splatting is on.",
            minimum=1),
    Setting("soft_raster_bands", "PHYCLONE_SOFT_RASTER_BANDS", lambda: max(1, min(4, _cores())),
            "int", "Bands of rows splatted at once per GL thread.", minimum=1,
            shown="one per core, at most 4"),
    Setting("pyopengl_error_checking", "PYOPENGL_ERROR_CHECKING", False, "bool",
            "PyOpenGL's glGetError after every call (phyclone checks once per visual)."),
    # Process and dialogs.
    Setting("no_numba", "PHYCLONE_NO_NUMBA", False, "bool",
            "Use the pure-numpy twins of the numba kernels (slow; for debugging)."),
    Setting("wide_vectors", "PHYCLONE_WIDE_VECTORS", True, "bool",
            "In `phy` commands, on AVX-512 CPUs: numba compiles 512-bit vector loops (LLVM "
            "prefers 256-bit ones; template matching's comparisons run ~9 % faster). Only "
            "when NUMBA_CPU_FEATURES is unset and numba not imported yet."),
    Setting("app_name", "PHYCLONE_APP_NAME", "phy", "str",
            "Name of the Qt application (window class)."),
)
#: phyclone's variables read elsewhere, each time they matter (documented with the others;
#: the system's variables, e.g. DISPLAY or XDG_RUNTIME_DIR, are described in docs/opengl.md).
OTHER_VARIABLES = (
    ("PHYCLONE_NONINTERACTIVE", "1: never open a modal dialog, questions take their default "
                                "answer (tests, scripts); read each time a dialog would open."),
    ("PHYCLONE_CONFIG_DIR", "The user configuration folder (default ~/.phy)."),
    ("PHYCLONE_DEMO_HEADLESS", "Set to 1 by `phy demo` when it re-runs itself under Xvfb: "
                               "run the scripted session."),
)


@dataclass(frozen=True)
class RuntimePolicy:
    """The values of ``SETTINGS``, one attribute each."""
    gl_threads: int
    render_thread: bool
    render_niceness: int
    worker_niceness: int
    worker_threads: int
    switch_interval: float
    idle_gc: bool
    gc_cap_mb: int
    opengl: str
    soft_raster: bool | None
    soft_raster_min_vertices: int
    soft_raster_bands: int
    pyopengl_error_checking: bool
    no_numba: bool
    wide_vectors: bool
    app_name: str


assert [f.name for f in fields(RuntimePolicy)] == [s.field for s in SETTINGS]

_POLICY: list[RuntimePolicy] = []


def read_policy(environ: Mapping[str, str] | None = None) -> RuntimePolicy:
    """A new RuntimePolicy from ``environ`` (default: the process environment)."""
    environ = os.environ if environ is None else environ
    return RuntimePolicy(**{s.field: s.read(environ) for s in SETTINGS})


def policy() -> RuntimePolicy:
    """The process' runtime policy (read once)."""
    if not _POLICY:
        _POLICY.append(read_policy())
    return _POLICY[0]


def reload_policy() -> RuntimePolicy:
    """Read the environment again; returns the new policy."""
    _POLICY.clear()
    return policy()


def prepare_imports() -> None:
    """Environment defaults needed before qtpy and PyOpenGL are imported (the Qt shim and the
    plot package call it first): qtpy's binding, PyOpenGL on GLX (as Qt's xcb platform)
    unless on Wayland, PyOpenGL's per-call error checks off. Only sets unset variables."""
    env = os.environ
    env.setdefault("QT_API", "pyqt5")
    if "PYOPENGL_PLATFORM" not in env and env.get("WAYLAND_DISPLAY") is None:
        env["PYOPENGL_PLATFORM"] = "glx"
    env.setdefault("PYOPENGL_ERROR_CHECKING", "0")
    if "OpenGL" in sys.modules and "OpenGL.GL" not in sys.modules:
        # (typed: PyOpenGL's module flag)
        sys.modules["OpenGL"].ERROR_CHECKING = env["PYOPENGL_ERROR_CHECKING"] == "1"  # type: ignore[attr-defined]


def prepare_process() -> None:
    """Before the QApplication is made: ``prepare_imports`` and a private 0700
    ``XDG_RUNTIME_DIR`` when there is none (Qt warns otherwise); the short thread switch
    interval of the GUI (the GUI thread makes many short Python calls and must not wait
    for a worker to hand over the GIL). Idempotent."""
    prepare_imports()
    env = os.environ
    sys.setswitchinterval(min(sys.getswitchinterval(), policy().switch_interval))
    if not env.get("XDG_RUNTIME_DIR"):
        env["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="phyclone-runtime-")
        os.chmod(env["XDG_RUNTIME_DIR"], 0o700)


def prepare_numba() -> None:
    """In phy's own processes, before numba is imported: on AVX-512 CPUs, numba generates
    code for the host's features without LLVM's preference for 256-bit vectors
    (``NUMBA_CPU_FEATURES``). Nothing when ``PHYCLONE_WIDE_VECTORS=0``, when that variable is
    set already or numba is imported (a library user's process is left as it is)."""
    env = os.environ
    if not policy().wide_vectors or "NUMBA_CPU_FEATURES" in env or "numba" in sys.modules:
        return
    try:
        import llvmlite.binding as llvm
        features = llvm.get_host_cpu_features().flatten()
    except (ImportError, RuntimeError):  # no llvmlite, or an unknown host: numba's defaults
        return
    if "+avx512f" in features.split(","):
        env["NUMBA_CPU_FEATURES"] = features + ",-prefer-256-bit"


def environment_table() -> str:
    """Markdown table of every environment variable phyclone reads (for the docs)."""
    rows = ["| variable | default | what it does |", "|---|---|---|"]
    for s in SETTINGS:
        default = s.shown or s.default_value()
        if s.kind in ("bool", "tri") and isinstance(default, bool):
            default = int(default)
        rows.append(f"| `{s.env}` | {'unset' if default is None else default} | {s.doc} |")
    for name, doc in OTHER_VARIABLES:
        rows.append(f"| `{name}` | | {doc} |")
    return "\n".join(rows) + "\n"

