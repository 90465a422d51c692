"""A dict with attribute access."""


class Bunch(dict):
    """Dictionary whose keys are also attributes: ``b.x is b['x']``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__ = self

    def copy(self):
        return Bunch(super().copy())
