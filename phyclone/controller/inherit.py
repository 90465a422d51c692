"""Class attributes concatenated along the class hierarchy (phy's mixin convention)."""

from __future__ import annotations

import inspect
from typing import Any


def concatenate_parents_attributes(cls: type, name: str) -> list[Any]:
    """Concatenation of the tuples ``name`` defined by ``cls`` and its parents (MRO order),
    without duplicates."""
    out = []
    for klass in inspect.getmro(cls):
        for item in klass.__dict__.get(name, ()):
            if item not in out:
                out.append(item)
    return out
