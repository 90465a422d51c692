"""``SelectionSource``: the base class of the objects whose ``select`` events the views follow."""


class SelectionSource:
    """Views redraw on a ``select`` event only when its sender derives from this class: the
    Supervisor (and the stand-ins tests give the views); events a view sends itself, e.g.
    a channel click, are ignored as selections."""
