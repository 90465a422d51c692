"""Logging set-up shared by the command line and the GUI."""

from __future__ import annotations

import logging

_FORMAT = "%(asctime)s.%(msecs)03d [%(levelname)s] %(name)s: %(message)s"


def add_default_handler(level: int | str = "INFO", logger: logging.Logger | None = None
                        ) -> logging.Handler:
    """Attach one stream handler to the ``phyclone`` logger (idempotent)."""
    logger = logger or logging.getLogger("phyclone")
    logger.setLevel(level)
    for h in logger.handlers:
        if getattr(h, "_phyclone", False):
            h.setLevel(level)
            return h
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(_FORMAT, datefmt="%H:%M:%S"))
    handler.setLevel(level)
    handler._phyclone = True  # type: ignore[attr-defined]  # marks our handler
    logger.addHandler(handler)
    return handler
