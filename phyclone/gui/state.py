"""GUI state: a global JSON file per GUI and an optional local (per-dataset) one.

The global state lives in ``<config dir>/<GUIName>/state.json``; the local state (typically
``<data dir>/.phy/phyclone/state.json``) holds the keys listed in ``local_keys``
(``'ViewName.field'``) and overrides the global one when loading. Until the local file exists,
``local_fallback_path`` (phy 2's ``<data dir>/.phy/state.json``) is read instead, as a starting
point: it is never written, renamed or deleted. A corrupt file of ours is moved aside
(``.corrupt``) with a warning and the state starts empty: the GUI never fails to open because
of its state.
"""

import logging
import os
import shutil
from collections.abc import Mapping
from copy import deepcopy
from pathlib import Path

from phyclone.utils import Bunch, DataError, load_json, phy_config_dir, save_json

logger = logging.getLogger(__name__)


def gui_state_path(gui_name, config_dir=None):
    """Path of the global state of a GUI: ``<config dir>/<gui_name>/state.json``."""
    return phy_config_dir(config_dir) / gui_name / "state.json"


def _bunchify(d):
    if isinstance(d, Mapping):
        return Bunch({k: _bunchify(v) for k, v in d.items()})
    return d


def _recursive_update(d, u):
    for k, v in u.items():
        if isinstance(v, Mapping) and isinstance(d.get(k), Mapping):
            _recursive_update(d[k], v)
        else:
            d[k] = _bunchify(v)
    return d


def _load_state(path, ours=True):
    """Load a state file; a corrupt one is renamed ``*.corrupt`` (when ``ours``) and an empty
    state returned."""
    path = Path(path)
    try:
        data = load_json(path)
        if not isinstance(data, Mapping):
            raise DataError(path, "does not hold a JSON object", "delete this file to reset it")
    except (DataError, OSError) as e:
        if not ours:
            logger.warning("Ignoring the GUI state file %s (%s).", path, e)
            return Bunch()
        backup = path.with_name(path.name + ".corrupt")
        logger.warning("Invalid GUI state file %s (%s); it was moved to %s and the state reset.",
                       path, e, backup)
        try:
            os.replace(path, backup)
        except OSError:
            pass
        return Bunch()
    return _bunchify(data)


def _public(d):
    """Copy of a nested dict without private (``_``-prefixed) keys."""
    if not isinstance(d, Mapping):
        return d
    return {k: _public(v) for k, v in d.items() if not str(k).startswith("_")}


class GUIState(Bunch):
    """State of a GUI (view positions, view parameters...), a nested Bunch saved as JSON.

    Constructor
    -----------
    path : global state file (``gui_state_path(name, config_dir)``)
    local_path : local state file, e.g. ``<data dir>/.phy/phyclone/state.json``
    local_fallback_path : read-only local state used while ``local_path`` does not exist
        (phy 2's ``<data dir>/.phy/state.json``)
    default_state_path : file copied to ``path`` when it does not exist yet
    local_keys : ``['ViewName.field', ...]`` saved only in the local file
    """

    def __init__(self, path=None, local_path=None, default_state_path=None, local_keys=None,
                 local_fallback_path=None, **kwargs):
        super().__init__(**kwargs)
        # Attributes of a Bunch are items: private ("_") ones are never saved.
        self._path = Path(path) if path else None
        self._local_path = Path(local_path) if local_path else None
        self._local_fallback_path = Path(local_fallback_path) if local_fallback_path else None
        self._default_state_path = Path(default_state_path) if default_state_path else None
        self._local_keys = list(local_keys or [])
        self.load()

    @property
    def path(self):
        return self._path

    @property
    def local_path(self):
        return self._local_path

    @property
    def local_keys(self):
        return list(self._local_keys)

    def add_local_keys(self, keys):
        """Declare more ``'ViewName.field'`` keys as local."""
        self._local_keys.extend(k for k in keys if k not in self._local_keys)

    def get_view_state(self, view):
        """State of a view (by ``view.name``), an empty Bunch when none."""
        return self.get(view.name, Bunch())

    def update_view_state(self, view, state):
        """Update the state of a view (by ``view.name``)."""
        if not isinstance(self.get(view.name), Mapping):
            self[view.name] = Bunch()
        self[view.name].update(_bunchify(dict(state)))

    def load(self):
        """Load the global state, then the local one on top of it."""
        if self._path is None:
            return
        if not self._path.exists() and self._default_state_path is not None:
            if self._default_state_path.exists():
                self._path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(self._default_state_path, self._path)
                logger.debug("Copied the default GUI state %s.", self._default_state_path)
        if self._path.exists():
            _recursive_update(self, _load_state(self._path))
        if self._local_path is not None and self._local_path.exists():
            _recursive_update(self, _load_state(self._local_path))
        elif self._local_fallback_path is not None and self._local_fallback_path.is_file():
            logger.debug("Starting from the local GUI state %s.", self._local_fallback_path)
            _recursive_update(self, _load_state(self._local_fallback_path, ours=False))

    def _split(self):
        """(global, local) dicts: local keys go to the local dict only."""
        glob = deepcopy(_public(dict(self)))
        local = {}
        for key in self._local_keys:
            view, _, field = key.partition(".")
            sub = glob.get(view)
            if isinstance(sub, dict) and field in sub:
                local.setdefault(view, {})[field] = sub.pop(field)
        return glob, local

    def save(self):
        """Save the global file, and the local file when there are local keys."""
        glob, local = self._split()
        if self._path is not None:
            save_json(self._path, glob)
            logger.debug("Saved the GUI state to %s.", self._path)
        if self._local_path is not None and self._local_keys:
            save_json(self._local_path, local)
            logger.debug("Saved the local GUI state to %s.", self._local_path)

    def __eq__(self, other):
        return _public(dict(self)) == _public(dict(other))

    __hash__ = None
