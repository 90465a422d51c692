"""A dict with attribute access."""

from __future__ import annotations

import copy
from typing import Any


class Bunch(dict):
    """Dictionary whose keys are also attributes: ``b.x is b['x']``.

    Keys named like dict methods (``keys``, ``items``...) are reachable by item access only.
    Pickles and deep-copies as a plain dict would.
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | {k for k in self if isinstance(k, str)})

    def copy(self, deep: bool = False) -> Bunch:
        """A shallow (or, with ``deep=True``, deep) copy, as a Bunch."""
        return copy.deepcopy(self) if deep else Bunch(self)
