"""The one error class phyclone raises for bad input."""

from __future__ import annotations

import os


class DataError(ValueError):
    """Bad input file: the message names the file, what is wrong, and how to fix it."""

    def __init__(self, path: str | os.PathLike[str] | None, problem: str, fix: str | None = None
                 ) -> None:
        self.path = str(path) if path is not None else None
        self.problem = problem
        self.fix = fix
        msg = f"{self.path}: {problem}" if self.path else problem
        if fix:
            msg += f" — fix: {fix}"
        super().__init__(msg)
