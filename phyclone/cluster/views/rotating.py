"""``RotatingProperty``: a named choice among several values, cycled by next/previous
(waveform types, amplitude types...), as phy's."""


class RotatingProperty:
    """Ordered ``name -> value`` choices with a current name (the first one added)."""

    def __init__(self):
        self._choices = {}
        self._current = None

    def add(self, name, value):
        """Add a choice (the first one becomes current)."""
        self._choices[name] = value
        if self._current is None:
            self._current = name

    @property
    def current(self):
        """Current name."""
        return self._current

    def keys(self):
        return list(self._choices)

    def __contains__(self, name):
        return name in self._choices

    def __len__(self):
        return len(self._choices)

    def get(self, name=None):
        """Value of ``name`` (default: the current one), None when unknown."""
        return self._choices.get(name or self._current)

    def set(self, name):
        """Make ``name`` current (unknown names are ignored); return the current value."""
        if name in self._choices:
            self._current = name
        return self.get()

    def _neighbor(self, step):
        keys = self.keys()
        if not keys:
            return None
        self._current = keys[(keys.index(self._current) + step) % len(keys)]
        return self._current

    def next(self):
        """Switch to the next choice (cycling); return its name."""
        return self._neighbor(+1)

    def previous(self):
        """Switch to the previous choice (cycling); return its name."""
        return self._neighbor(-1)
