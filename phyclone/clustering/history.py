"""Undo stacks: ``History`` (a list of items with a cursor) and ``GlobalHistory`` (one action
spanning several controllers, e.g. a clustering and its cluster metadata), as in phy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol


class _Undoable(Protocol):
    def undo(self) -> Any: ...

    def redo(self) -> Any: ...


class History:
    """A list of items with a cursor; the item at index 0 is the base item (never undone).

    ``add`` drops every item after the cursor (the redo branch) before appending.
    """

    def __init__(self, base_item: Any = None) -> None:
        self.clear(base_item)

    def clear(self, base_item: Any = None) -> None:
        """Forget every item; keep only ``base_item``."""
        self._history = [base_item]
        self._index = 0

    @property
    def current_item(self) -> Any:
        """The item at the cursor."""
        return self._history[self._index]

    @property
    def current_position(self) -> int:
        """Index of the cursor (0 = nothing to undo)."""
        return self._index

    def is_first(self) -> bool:
        """Whether the cursor is on the first real item."""
        return self._index == 1

    def is_last(self) -> bool:
        """Whether the cursor is on the last item (nothing to redo)."""
        return self._index == len(self._history) - 1

    def iter(self, start: int = 0, end: int | None = None) -> Iterator[Any]:
        """Iterate over the items from ``start`` to ``end`` (default: up to the cursor, included)."""
        end = self._index + 1 if end is None else end
        for i in range(max(0, start), min(end, len(self._history))):
            yield self._history[i]

    def __iter__(self) -> Iterator[Any]:
        return self.iter()

    def __len__(self) -> int:
        return len(self._history)

    def add(self, item: Any) -> None:
        """Append an item after the cursor (dropping the redo branch) and move onto it."""
        del self._history[self._index + 1:]
        self._history.append(item)
        self._index += 1

    def back(self) -> Any:
        """Move the cursor back; return the undone item, or None at the base."""
        if self._index <= 0:
            return None
        undone = self._history[self._index]
        self._index -= 1
        return undone

    def undo(self) -> Any:
        """Alias of ``back()``."""
        return self.back()

    def forward(self) -> Any:
        """Move the cursor forward; return the new current item, or None at the end."""
        if self._index >= len(self._history) - 1:
            return None
        self._index += 1
        return self._history[self._index]

    def redo(self) -> Any:
        """Alias of ``forward()``."""
        return self.forward()


class GlobalHistory(History):
    """Undo stack whose items are tuples of controllers (objects with ``undo()``/``redo()``).

    ``undo()``/``redo()`` call the controllers of the current action and return their
    UpdateInfo objects, passed through ``process_ups`` when given.
    """

    def __init__(self, process_ups: Callable[[tuple[Any, ...]], Any] | None = None) -> None:
        super().__init__(())
        self.process_ups = process_ups

    def action(self, *controllers: _Undoable) -> None:
        """Record a new action involving these controllers."""
        self.add(tuple(controllers))

    def add_to_current_action(self, controller: _Undoable) -> None:
        """Add a controller to the current action."""
        self._history[self._index] = self._history[self._index] + (controller,)

    def _process(self, ups: tuple[Any, ...]) -> Any:
        return self.process_ups(ups) if self.process_ups is not None else ups

    def undo(self) -> Any:
        """Undo the last action on all its controllers."""
        controllers = self.back()
        ups = () if controllers is None else tuple(c.undo() for c in controllers)
        return self._process(ups)

    def redo(self) -> Any:
        """Redo the next action on all its controllers."""
        controllers = self.forward()
        ups = () if controllers is None else tuple(c.redo() for c in controllers)
        return self._process(ups)
