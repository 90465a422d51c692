"""Curation session (pure, no Qt): selection, wizard, merge/split/label, undo/redo, crash journal."""

from .journal import Journal, fingerprint
from .session import MASKED_GROUPS, Session
from .wizard import Wizard

__all__ = ["Journal", "MASKED_GROUPS", "Session", "Wizard", "fingerprint"]
