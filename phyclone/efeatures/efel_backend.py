"""eFEL, configured once per process.

``efel.reset()`` re-parses eFEL's dependency file (~60 ms) and ``efel.get_feature_values``
converts every array element by element; both dominate bluepyefe's run time. Here each call
builds a fresh :class:`efel.Settings` (defaults + the requested settings, exactly the state
``reset`` + ``set_setting`` would give), pushes it and the trace into eFEL's core, and reads the
features through eFEL's own accessors, so the values are those of ``efel.get_feature_values``.
"""

import threading

import efel
from efel import cppcore
from efel.api import _get_feature

_STIM_KEYS = ("stim_start", "stim_end")
# eFEL's core holds one trace at a time: threads (e.g. a threaded dask worker) take turns.
_LOCK = threading.Lock()
# (trace token, stim_start, stim_end, settings) of the trace loaded in eFEL's core: a call
# with the same ones reuses it with the features already computed (no reload, no recompute).
_loaded = [None]


def _push_settings(settings):
    # Same typing rules as eFEL when it initialises its core: bools as ints, floats as
    # doubles, strings as strings; anything else (lists, None) is not passed.
    for name, value in vars(settings).items():
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, int):
            cppcore.setFeatureInt(name, [value])
        elif isinstance(value, float):
            cppcore.setFeatureDouble(name, [value])
        elif isinstance(value, str):
            cppcore.setFeatureString(name, value)


_settings_cache = {}


def _cached_settings(settings):
    # Settings are only read once built: the same dict (same keys, value types and values)
    # gives the same object. Unhashable values (lists) are built each time.
    try:
        key = tuple(sorted((k, type(v), v) for k, v in settings.items()))
        hash(key)
    except TypeError:
        return make_settings(settings)
    out = _settings_cache.get(key)
    if out is None:
        if len(_settings_cache) > 256:
            _settings_cache.clear()
        out = _settings_cache[key] = make_settings(settings)
    return out


def make_settings(settings):
    """An :class:`efel.Settings` with eFEL's defaults updated by ``settings`` (a dict)."""
    out = efel.Settings()
    for name, value in settings.items():
        if name in _STIM_KEYS:
            value = float(value)
        out.set_setting(name, value)
    return out


def _as_list(x):
    return x if isinstance(x, list) else x.tolist()


def feature_values(t, v, i, stim_start, stim_end, features, settings, token=None):
    """Values of ``features`` (dict name -> array or None) on one trace.

    ``t``, ``v``, ``i``: float arrays or lists (``i`` may be None); ``settings``: a dict.
    ``token``: a tuple of objects standing for this trace (the same objects = the same data),
    to reuse eFEL's state when the previous call was on the same trace and settings.
    """
    if stim_end <= stim_start:
        raise Exception("stim_end needs to be larger than stim_start:\n"
                        f"stim_start={stim_start:f} stim_end={stim_end:f}")
    with _LOCK:
        state = (token, float(stim_start), float(stim_end), settings)
        last = _loaded[0]
        if not (token is not None and last is not None and _same_trace(last[0], token)
                and last[1:3] == state[1:3] and _same(last[3], settings)):
            _loaded[0] = None
            _load(t, v, i, stim_start, stim_end, _cached_settings(settings))
            if token is not None:
                _loaded[0] = (token, state[1], state[2], dict(settings))
        return _compute(features)


def _same_trace(a, b):
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


def _same(a, b):
    if a.keys() != b.keys():
        return False
    for k, x in a.items():
        y = b[k]
        try:
            if type(x) is not type(y) or not bool(x == y):
                return False
        except (ValueError, TypeError):  # arrays and other ambiguous comparisons
            return False
    return True


def _load(t, v, i, stim_start, stim_end, efel_settings):
    cppcore.Clear()
    _push_settings(efel_settings)
    cppcore.setFeatureDouble("T", _as_list(t))
    cppcore.setFeatureDouble("V", _as_list(v))
    cppcore.setFeatureDouble("stim_start", [float(stim_start)])
    cppcore.setFeatureDouble("stim_end", [float(stim_end)])
    if i is not None:
        cppcore.setFeatureDouble("I", _as_list(i))


def _compute(features):
    out = {}
    for name in features:
        try:
            out[name] = _get_feature(name, raise_warnings=False)
        except RuntimeError as e:  # what eFEL raises (bluepyefe lets it through too)
            if "Unknown feature name" in str(e):
                raise RuntimeError(f"{e} (requested: {', '.join(features)}); see "
                                   "efel.get_feature_names()") from e
            raise
    return out
