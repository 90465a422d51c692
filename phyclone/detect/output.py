"""Write detected events as a template-gui folder (what phy, phylib and SpikeInterface's
``read_phy`` open), each file atomically."""

import contextvars
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np

from phyclone.io.npy_stream import NpyWriter
from phyclone.utils.bunch import Bunch
from phyclone.utils.errors import DataError
from phyclone.utils.fileio import (ensure_dir_exists, file_stamp, load_json, save_json,
                                   save_npy, synced_together, write_text)

from .features import initial_clusters, similar_templates, templates_from_features
from .spill import NpyFile

#: Files this command writes (an existing folder holding others' copies is refused).
WRITTEN = ("params.py", "spike_times.npy", "spike_fine_times.npy", "spike_max_channels.npy",
           "amplitudes.npy", "spike_templates.npy", "spike_clusters.npy", "templates.npy",
           "template_ind.npy", "pc_features.npy", "pc_feature_ind.npy", "channel_map.npy",
           "channel_positions.npy", "similar_templates.npy", "cluster_group.tsv")
_MARK = Path(".phy") / "phyclone" / "detect" / "written.txt"
#: How the events were found (filter, thresholds): what ``phy trace-gui`` shows.
_INFO = Path(".phy") / "phyclone" / "detect" / "detection.json"
#: Size and modification time of the files a curation GUI saves, as written: a folder whose
#: files changed since holds someone's work.
_SAVED = Path(".phy") / "phyclone" / "detect" / "written_stats.json"
_CURATED = ("spike_clusters.npy", "cluster_group.tsv")


def check_out_dir(out_dir, spec, force):
    """Refuse an output folder that would overwrite the input or another program's dataset."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DataError(out_dir, "is a file, not a folder", "give --out a folder path")
    raw_dirs = {Path(p).resolve().parent for p in spec.paths}
    if spec.params_dir is not None:
        raw_dirs.add(Path(spec.params_dir).resolve())
    if out_dir.exists() and out_dir.resolve() in raw_dirs and \
            any((out_dir / f).exists() for f in WRITTEN):
        raise DataError(out_dir, "holds the input dataset: detection would overwrite it",
                        "give --out another folder")
    if out_dir.exists() and not force and not (out_dir / _MARK).exists() and \
            any((out_dir / f).exists() for f in WRITTEN):
        raise DataError(out_dir, "already holds a template-gui dataset not written by "
                        "`phy detect`", "give --out an empty folder, or --force to replace it")
    changed = _changed_since_written(out_dir)
    if changed and not force:
        raise DataError(out_dir, f"holds curation saved since `phy detect` wrote it "
                        f"({', '.join(changed)} changed)",
                        "give --out another folder, or --force to replace it")


def _stats(out_dir):
    """Size and modification time of the ``_CURATED`` files that exist."""
    return {f: list(stamp[:2]) for f in _CURATED
            if (stamp := file_stamp(out_dir / f, with_hash=False)) is not None}


def _changed_since_written(out_dir):
    """Files of ``_CURATED`` saved again since ``phy detect`` wrote them (a curation GUI's
    save), or none when unknown (not our folder, or written before these were recorded)."""
    try:
        written = load_json(out_dir / _SAVED)  # ({} when missing)
    except (OSError, DataError):
        return []
    if not isinstance(written, dict) or not written:
        return []
    now = _stats(out_dir)
    return [f for f in _CURATED if f in now and now[f] != written.get(f)]


def _params_text(spec):
    paths = [str(p) for p in spec.paths]
    dat = repr(paths[0]) if len(paths) == 1 else repr(paths)
    return (f"dat_path = {dat}\nn_channels_dat = {spec.n_channels}\n"
            f"dtype = {spec.dtype!r}\noffset = {spec.offset}\n"
            f"sample_rate = {float(spec.sample_rate)!r}\nhp_filtered = False\n")


#: Threads writing the files when ``jobs`` > 1 (the writes wait on the file system more
#: than they compute).
WRITERS = 4


def write_folder(out_dir, ev, params, jobs=1, events=None):
    """Write the events ``ev`` (from :func:`phyclone.detect.detect`) into ``out_dir``;
    return the path of its ``params.py``. With ``jobs`` > 1, the files are written in
    :data:`WRITERS` threads, the per-spike ones while the initial clusters are computed
    (in ``jobs`` threads). Every file is fsynced before ``params.py``, written last, marks
    the folder complete.

    ``events``, for runs whose events do not fit in memory: ``Bunch(pieces, n)``,
    ``(first row, dict of FIELDS arrays)`` pairs in any order (``n`` events in all, each
    piece in time order), written piece by piece instead of the per-spike arrays of
    ``ev``; the clusters then read the features back from the file, and ``events``
    receives the ``channels`` and signed ``amplitudes`` met on the way."""
    out_dir = Path(out_dir)
    ensure_dir_exists(out_dir)
    _mark_incomplete(out_dir)
    n_ch = len(ev.channel_map)
    p = ev.params
    with synced_together():  # (every file fsynced at once, before params.py)
        with _writers(jobs) as put:
            if events is None:
                channels, features = ev.channels, ev.features
                for name, field, dtype in _PER_SPIKE:
                    put(save_npy, out_dir / name, _per_spike(field, ev[field], dtype))
            else:
                _stream_events(out_dir, events, (len(ev.basis), ev.local.shape[1]))
                channels, features = events.channels, NpyFile(out_dir / "pc_features.npy")
            put(save_npy, out_dir / "channel_map.npy", ev.channel_map.astype(np.int32))
            put(save_npy, out_dir / "channel_positions.npy", ev.positions.astype(np.float64))
            put(save_json, out_dir / _INFO, dict(
                low=p.low, high=p.high, order=p.order, reference=p.reference, sign=p.sign,
                segment=int(ev.segment), margin=int(ev.margin), thresholds=ev.thresholds.tolist(),
                threshold_window=int(ev.thr_len), threshold_start=int(ev.thr_start),
                reference_channels=ev.channel_map[ev.ref_channels].tolist()))
            put(write_text, out_dir / _MARK, "\n".join(WRITTEN) + "\n")
            clusters = initial_clusters(channels, features, params.split,
                                        params.min_cluster_size, jobs=jobs)  # (int32)
            put(save_npy, out_dir / "spike_templates.npy", clusters)
            put(save_npy, out_dir / "spike_clusters.npy", clusters)
            put(write_text, out_dir / "cluster_group.tsv", "cluster_id\tgroup\n" + "".join(
                f"{i}\tunsorted\n" for i in np.flatnonzero(np.bincount(clusters)).tolist()))
            templates, template_ind = templates_from_features(clusters, features, channels,
                                                              ev.local, ev.basis)
            del clusters
            put(save_npy, out_dir / "templates.npy", templates)
            put(save_npy, out_dir / "template_ind.npy", template_ind)
            put(save_npy, out_dir / "pc_feature_ind.npy", template_ind)
            put(save_npy, out_dir / "similar_templates.npy",
                similar_templates(templates, template_ind, n_ch))
        # (the written files' sizes and times: in the same fsync)
        save_json(out_dir / _SAVED, _stats(out_dir))
    write_text(out_dir / "params.py", _params_text(ev.spec))
    return out_dir / "params.py"


#: Per-spike files, written whole or streamed (:func:`_stream_events`): (name, field, dtype).
_PER_SPIKE = (("spike_times.npy", "times", np.int64),
              ("spike_fine_times.npy", "fine_times", np.float64),
              ("pc_features.npy", "features", np.float32),
              ("spike_max_channels.npy", "channels", np.int32),
              ("amplitudes.npy", "amplitudes", np.float32))


def _per_spike(field, values, dtype):
    """What the file of a per-spike ``field`` holds (amplitudes: their absolute value)."""
    return np.asarray(np.abs(values) if field == "amplitudes" else values, dtype=dtype)


def _stream_events(out_dir, events, feature_shape):
    """Write the per-spike files from ``events.pieces`` (see :func:`write_folder`), and set
    ``events.channels`` (int32) and ``events.amplitudes`` (signed)."""
    channels = np.empty(events.n, dtype=np.int32)
    amplitudes = np.empty(events.n, dtype=np.float32)
    with ExitStack() as files:
        writers = {field: files.enter_context(NpyWriter(
            out_dir / name, dtype, (events.n,) + (feature_shape if field == "features" else ()),
            fsync=True)) for name, field, dtype in _PER_SPIKE}
        for i, piece in events.pieces:
            m = len(piece["times"])
            channels[i:i + m] = piece["channels"]
            amplitudes[i:i + m] = piece["amplitudes"]
            for field, w in writers.items():
                w.write_at(i, _per_spike(field, piece[field], w.dtype))
        for w in writers.values():
            w.check()  # (before the files replace any earlier ones)
    events.channels, events.amplitudes = channels, amplitudes


def _mark_incomplete(out_dir):
    """Remove the ``params.py`` of an earlier run of ours (and the stats of its files)
    before its files are replaced, so that a run failing halfway leaves an incomplete
    folder, not a mix of two runs that looks complete (another program's ``params.py``,
    replaced with ``--force``, is left)."""
    if not (out_dir / _MARK).exists():
        return
    for path in (out_dir / _SAVED, out_dir / "params.py"):
        if path.exists():
            path.unlink()  # (journaled before the renames that follow in this folder)


@contextmanager
def _writers(jobs):
    """``put(fn, *args)``: runs ``fn(*args)`` now (one job) or in a writer thread (in the
    caller's context, so that ``synced_together`` sees its files); on exit every write is
    done and its error, if any, raised."""
    if jobs <= 1:
        yield lambda fn, *args: fn(*args)
        return
    with ThreadPoolExecutor(WRITERS, thread_name_prefix="phy-detect-write") as ex:
        futures = []
        yield lambda fn, *args: futures.append(
            ex.submit(contextvars.copy_context().run, fn, *args))
        for f in futures:
            f.result()


def load_detection(folder):
    """The events and detection settings of a folder written by ``phy detect`` (None for
    another folder): Bunch(times, channels (raw-file columns), thresholds (n_windows,
    n_channels of ``cols``), threshold_window, threshold_start (samples), sign, low, high,
    order, reference, segment, margin, cols (raw-file columns of the detection channels),
    reference_channels (raw-file columns the common reference is taken over))."""
    folder = Path(folder)
    if not (folder / _INFO).exists() or not (folder / "spike_max_channels.npy").exists():
        return None
    info = load_json(folder / _INFO)
    cols = np.load(folder / "channel_map.npy", allow_pickle=False).astype(np.int64)
    thr = np.asarray(info["thresholds"], dtype=np.float32).reshape(-1, len(cols))
    mc = np.load(folder / "spike_max_channels.npy", allow_pickle=False).astype(np.int64)
    times = np.load(folder / "spike_times.npy", allow_pickle=False).astype(np.int64).ravel()
    ref = np.asarray(info.get("reference_channels", cols), dtype=np.int64)
    return Bunch(info, times=times, channels=cols[mc], thresholds=thr, cols=cols,
                 reference_channels=ref,
                 threshold_window=int(info["threshold_window"]),
                 threshold_start=int(info.get("threshold_start", 0)))
