"""The Trace GUI: a raw data file (or the raw data of a params.py) in a trace view and a
trace image view (heat map, for thousands of channels), with the raw data filters."""

from pathlib import Path

import numpy as np

from phyclone.utils import Bunch, connect
from phyclone.utils.errors import DataError

from phyclone.controller.raw_filter import HIGH_PASS, RAW, RawDataFilter

GUI_NAME = "TraceGUI"


#: The filter `phy detect` used (shown when the raw data comes with detected events).
DETECTION = "detection"
EVENT_COLOR = (1., .2, .2, 1.)


class TraceData:
    """Traces of an interval for the trace views: ``__call__(interval)`` →
    ``Bunch(data (n_samples, n_channels), color=None, waveforms=[])``, filtered with the
    current raw data filter (``raw`` by default, ``alt+r`` switches).

    ``detection`` (from ``phyclone.detect.load_detection``): the events found by
    ``phy detect`` are drawn in red over the traces (a 1 ms snippet on their channel) and
    the thresholds as lines, on the data filtered as the detector saw it."""

    def __init__(self, traces, detection=None):
        self.traces = traces
        self.detection = detection
        self.raw_data_filter = RawDataFilter()
        self.raw_data_filter.add_default_filter(traces.sample_rate)
        self.raw_data_filter.set(RAW)
        if detection is not None:
            self.raw_data_filter._add_builtin(DETECTION, self._detection_filter)
            self.raw_data_filter.set(DETECTION)

    def _detection_sos(self):
        from phyclone.detect import bandpass_sos
        d, sr = self.detection, self.traces.sample_rate
        return bandpass_sos(float(sr), float(d.low), d.high if d.high and d.high < sr / 2
                            else None, int(d.order))

    def _detection_filter(self, arr, axis=None):
        """The detection band-pass, zero phase, on any array."""
        from scipy.signal import sosfiltfilt
        return sosfiltfilt(self._detection_sos(), arr, axis=axis or 0).astype(np.float32)

    def __call__(self, interval):
        sr = self.traces.sample_rate
        n = self.traces.n_samples
        start = int(np.clip(round(interval[0] * sr), 0, n))
        stop = int(np.clip(round(interval[1] * sr), start, n))
        name = self.raw_data_filter.current
        builtin = self.raw_data_filter.is_builtin(name)
        if name == DETECTION and builtin:
            return self._detection(start, stop)
        if name == HIGH_PASS and builtin:
            from phyclone.io.raw.filtering import filtered_traces
            data = filtered_traces(self.traces, start, stop)
        else:
            data = np.asarray(self.traces.read(start, stop), dtype=np.float32)
            if not builtin:
                data = self.raw_data_filter.apply(data, axis=0).astype(np.float32)
            if len(data):
                data -= data.mean(axis=0)
        return Bunch(data=data, color=None, waveforms=[], interval=(start / sr, stop / sr))

    def _detection(self, start, stop):
        """The interval filtered as ``phy detect`` filtered it, its events and thresholds."""
        from phyclone.detect import filtered_range
        d, sr = self.detection, self.traces.sample_rate
        cols = self.traces.channel_map
        column = {int(c): i for i, c in enumerate(cols)}
        ref = [column[c] for c in d.reference_channels.tolist() if c in column]
        data = filtered_range(self.traces, start, stop, cols, self._detection_sos(),
                              d.segment, d.margin, d.reference, ref)
        thr = np.zeros(self.traces.n_channels_raw, dtype=np.float32)
        window = min(max((start - d.threshold_start) // d.threshold_window, 0),
                     len(d.thresholds) - 1)
        thr[d.cols] = d.thresholds[window]
        half = int(round(5e-4 * sr))
        i, j = np.searchsorted(d.times, [start + half, stop - half])
        waveforms = []
        for k in range(i, j):
            t, c = int(d.times[k]), column.get(int(d.channels[k]))
            if c is not None:
                waveforms.append(Bunch(
                    data=data[t - half - start:t + half + 1 - start, c], channel_ids=[c],
                    start_time=(t - half) / sr, spike_id=k, spike_cluster=-1,
                    color=EVENT_COLOR))
        return Bunch(data=data, color=None, waveforms=waveforms, thresholds=thr[cols],
                     threshold_sign=d.sign, interval=(start / sr, stop / sr))


def _open_traces(obj, sample_rate=None, n_channels_dat=None, dtype=None, offset=0):
    """``(traces, subtitle)`` of a raw data file or of the raw data named by a params.py or
    a klusta .prm."""
    from phyclone.io.raw.traces import get_ephys_reader
    path = Path(obj)
    paths = [path]
    if path.suffix.lower() == ".prm":
        from phyclone.detect.raw import klusta_settings
        paths, n_prm, sr_prm, dt_prm, _ = klusta_settings(path)
        sample_rate, n_channels_dat = sample_rate or sr_prm, n_channels_dat or n_prm
        dtype = dtype or dt_prm
    elif path.suffix == ".py":
        from phyclone.io.template.params import get_template_params, resolve_dat_paths
        params = get_template_params(path)
        paths = resolve_dat_paths(params.get("dat_path"), path.parent)
        if not paths:
            raise DataError(path, "names no raw data file (dat_path)", "set dat_path in it")
        sample_rate, n_channels_dat = params.get("sample_rate"), params.get("n_channels_dat")
        dtype, offset = params.get("dtype"), params.get("offset") or 0
    traces = get_ephys_reader(paths, n_channels_dat=n_channels_dat, dtype=dtype or "int16",
                              offset=offset, sample_rate=sample_rate)
    if traces is None:
        raise DataError(paths[0], "cannot be read as raw data", "check the path")
    return traces, str(path)


def create_trace_gui(obj, sample_rate=None, n_channels_dat=None, dtype=None, offset=0,
                     config_dir=None, views=("TraceView",), **kwargs):
    """A GUI showing raw data (a flat binary / .npy / .cbin file, a params.py or a klusta
    .prm): a trace view (and, in ``views``, a ``TraceImageView``). Returns the GUI (not
    shown)."""
    from phyclone.gui import GUI

    from ..mixins.views import view_class

    traces, subtitle = _open_traces(obj, sample_rate=sample_rate,
                                    n_channels_dat=n_channels_dat, dtype=dtype, offset=offset)
    detection = None
    if Path(obj).suffix == ".py":
        from phyclone.detect import load_detection
        detection = load_detection(Path(obj).parent)
    data = TraceData(traces, detection)
    gui = GUI(name=GUI_NAME, subtitle=subtitle, config_dir=config_dir, **kwargs)
    gui.trace_data = data
    positions = np.c_[np.zeros(traces.n_channels), np.arange(traces.n_channels)]
    common = dict(traces=data, sample_rate=traces.sample_rate, duration=traces.duration,
                  n_channels=traces.n_channels, channel_positions=positions,
                  channel_labels=[str(c) for c in traces.channel_map])
    for name in views:
        cls = view_class(name)
        if cls is None:
            continue
        view = cls(**common)
        view.ex_status = data.raw_data_filter.current
        view.attach(gui)
    gui.set_default_actions()

    @gui.view_actions.add(shortcut="alt+r")
    def switch_raw_data_filter():
        """Switch the raw data filter (raw / high-pass)."""
        name = data.raw_data_filter.next()
        gui.status_message = f"Raw data filter: {name}."
        for v in gui.views:
            v.ex_status = name
            if hasattr(v, "plot"):
                v.plot()

    def on_close(sender):
        traces.close()

    connect(on_close, event="close", sender=gui, last=True)
    return gui


def trace_gui(obj, **kwargs):
    """Open the Trace GUI and run it until it is closed."""
    from phyclone.gui import create_app, run_app
    from phyclone.plot.gl import setup_opengl
    setup_opengl()
    create_app()
    gui = create_trace_gui(obj, **kwargs)
    gui.show()
    run_app()
