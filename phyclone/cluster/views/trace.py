"""Trace view: the raw data of a time interval, channels stacked by depth, with the spikes of
the selected clusters drawn over them in their colours (phy 2.1's ``TraceView``).

The interval's data (``traces(interval)``: reading and filtering) and its preparation for
display run in a worker thread; wide intervals are reduced to a min/max envelope so the
number of vertices stays within ``max_trace_points`` whatever the duration and channel count,
and the traces of every channel are one draw call.
"""

import logging

import numpy as np

from phyclone.io.raw.trace_interval import decimate_minmax, select_traces  # noqa: F401 (phy API)
from phyclone.plot import PlotVisual, TextVisual
from phyclone.utils.bunch import Bunch
from phyclone.utils.event import emit

from .base import ManualClusteringView, ScalingMixin
from .trace_data import (
    LABEL_DISCARD_GLSL, channel_y_ranks, gradient_colors, quantile_bounds, waveform_arrays,
)

logger = logging.getLogger(__name__)


#: RGBA of the detection threshold lines (one per line).
THRESHOLD_COLOR = (1., .3, .3, .5)


def threshold_lines(thresholds, sign, interval, ranks):
    """PlotVisual arrays of horizontal lines at ±threshold on every channel (None without
    thresholds); ``sign``: which of -threshold ("neg"), +threshold ("pos") or both."""
    if thresholds is None:
        return None
    thr = np.asarray(thresholds, dtype=np.float32)
    levels = {"neg": [-thr], "pos": [thr]}.get(sign, [-thr, thr])
    y = np.concatenate([np.repeat(v, 2) for v in levels])
    n = len(y) // 2
    return Bunch(x=np.tile(np.asarray(interval, dtype=np.float64), n), y=y,
                 lengths=np.full(n, 2), color=np.tile([THRESHOLD_COLOR], (n, 1)),
                 box_index=np.tile(np.repeat(ranks.astype(np.float32), 2), len(levels)))


class TraceView(ScalingMixin, ManualClusteringView):
    """Raw traces of an interval with the spike waveforms of the selected clusters.

    Constructor
    -----------
    traces : function
        ``traces(interval)`` with ``interval = (t0, t1)`` in seconds returns
        ``Bunch(data, color=None, waveforms=[...])``: ``data`` (n_samples, n_channels) (read
        and filtered), ``waveforms`` a list of ``Bunch(data (n_samples_w, n_channel_ids),
        channel_ids, start_time, spike_id, spike_cluster, select_index=None, color=None)``.
        Called in a worker thread.
    spike_times : function
        ``spike_times()`` returns the spike times (seconds, sorted) of the first selected
        cluster (next / previous spike).
    sample_rate : float
    duration : float (seconds)
    n_channels : int
    channel_positions : (n_channels, 2) array (channels are stacked by increasing y)
    channel_labels : list of str (default: the channel ids)
    """

    _default_position = "left"
    auto_update = True
    auto_scale = True
    interval_duration = .25  # default duration of the interval
    shift_amount = .1
    scaling_coeff_x = 1.25
    trace_quantile = .01  # quantile for auto-scaling
    default_trace_color = (.5, .5, .5, 1)
    trace_color_0 = (.353, .161, .443)
    trace_color_1 = (.133, .404, .396)
    unselected_spike_color = (.8, .8, .8, .8)
    #: Vertex budgets (software OpenGL draws ~1e6 line vertices per second).
    max_trace_points = 200_000
    max_points_per_channel = 6_000
    max_waveform_points = 150_000
    default_shortcuts = {
        "change_trace_size": "ctrl+wheel",
        "navigate": "alt+wheel",
        "decrease": "alt+down",
        "increase": "alt+up",
        "go_left": "alt+left",
        "go_right": "alt+right",
        "jump_left": "shift+alt+left",
        "jump_right": "shift+alt+right",
        "go_to_start": "alt+home",
        "go_to_end": "alt+end",
        "go_to": "alt+t",
        "go_to_next_spike": "alt+pgdown",
        "go_to_previous_spike": "alt+pgup",
        "narrow": "alt++",
        "select_spike": "ctrl+click",
        "select_channel_pcA": "shift+left click",
        "select_channel_pcB": "shift+right click",
        "switch_origin": "alt+o",
        "toggle_highlighted_spikes": "alt+s",
        "toggle_show_labels": "alt+l",
        "widen": "alt+-",
    }
    default_snippets = {"go_to": "tg", "shift": "ts"}

    def __init__(self, traces=None, sample_rate=None, spike_times=None, duration=None,
                 n_channels=None, channel_positions=None, channel_labels=None, **kwargs):
        if not callable(traces):
            raise TypeError("traces must be a function interval -> Bunch(data, waveforms)")
        if not sample_rate or sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        if duration is None or duration < 0 or n_channels is None or n_channels < 0:
            raise ValueError("duration and n_channels must be given (>= 0)")
        self.do_show_labels = True
        self.show_all_spikes = False
        self.traces = traces
        self.get_spike_times = spike_times
        self.sample_rate = float(sample_rate)
        self.dt = 1. / self.sample_rate
        self.duration = float(duration)
        self.n_channels = int(n_channels)
        self.channel_positions = (
            np.asarray(channel_positions, dtype=np.float64) if channel_positions is not None
            else np.c_[np.zeros(self.n_channels), np.arange(self.n_channels)])
        #: channel_y_ranks[i]: the row (box) of channel i, 0 being the lowest channel.
        self.channel_y_ranks = channel_y_ranks(self.channel_positions, self.n_channels)
        self.channel_labels = ([str(ch) for ch in range(self.n_channels)]
                               if channel_labels is None else [str(c) for c in channel_labels])
        if len(self.channel_labels) != self.n_channels:
            raise ValueError(f"{len(self.channel_labels)} channel labels for "
                             f"{self.n_channels} channels")
        self._interval = None
        self._ybounds = None
        self.data_bounds = None
        self._spikes = None  # (times, spike_ids, clusters, signal channels, signal spikes)
        self._last_jump = None
        self._last_traces = None  # (traces, parameters, decimated arrays) of the last fetch
        self._shown_traces = None  # the arrays given to the trace visual
        super().__init__(**kwargs)
        self.state_attrs += ("origin", "do_show_labels", "show_all_spikes", "auto_scale")
        self.local_state_attrs += ("interval", "scaling")
        self._create_visuals()
        half = self.interval_duration / 2.
        self._interval = self._restrict_interval((self.duration / 2. - half,
                                                  self.duration / 2. + half))
        self.canvas.panzoom.set_constrain_bounds((-1, -2, +1, +2))

    def _create_visuals(self):
        self.canvas.set_layout("stacked", n_plots=self.n_channels)
        self.canvas.enable_axes(show_y=False)
        self.trace_visual = PlotVisual()
        self.canvas.add_visual(self.trace_visual)
        self.waveform_visual = PlotVisual()
        self.canvas.add_visual(self.waveform_visual)
        self.threshold_visual = PlotVisual()  # detection thresholds (phy trace-gui)
        self.canvas.add_visual(self.threshold_visual)
        self.text_visual = TextVisual(color=(1., 1., 1., .8))
        self.text_visual.inserter.insert_vert("gl_Position.x = pos_orig.x;", "after_transforms")
        self.text_visual.inserter.insert_vert(
            LABEL_DISCARD_GLSL.replace("N_BOXES", f"{max(self.n_channels, 1)}.0"), "end")
        self.text_visual.inserter.insert_vert("out float v_discard;", "header")
        self.text_visual.inserter.insert_frag("in float v_discard;", "header")
        self.text_visual.inserter.insert_frag("if (v_discard > 0.5) discard;", "start")
        self.canvas.add_visual(self.text_visual)
        n = self.n_channels
        if n:
            self.canvas.update_visual(
                self.text_visual, pos=np.tile([[-1., 0.]], (n, 1)), text=self.channel_labels,
                anchor=(1.3, 0.), box_index=self.channel_y_ranks.astype(np.float32))
        if self.trace_color_0 and self.trace_color_1:  # a gradient by depth, as phy
            self._trace_colors = gradient_colors(self.channel_y_ranks, self.trace_color_0,
                                                 self.trace_color_1)
        else:
            self._trace_colors = self.default_trace_color

    @property
    def stacked(self):
        return self.canvas.stacked

    # Data (worker thread) ---------------------------------------------------------------------

    def get_clusters_data(self, cluster_ids, interval=None, auto_scale=True, ybounds=None,
                          width=None):
        """Read the interval and prepare every array the visuals need (worker thread).
        ``width``: the canvas width in pixels (at most one min/max pair per pixel)."""
        interval = interval or self._interval
        start, end = interval
        b = self.traces(interval)
        data = np.asarray(b.data)
        if data.ndim != 2 or data.shape[1] != self.n_channels:
            raise ValueError(f"traces({interval}) returned data of shape {data.shape}, "
                             f"expected (n_samples, {self.n_channels})")
        n = max(self.n_channels, 1)
        per_channel = max(4, min(self.max_points_per_channel, self.max_trace_points // n))
        pairs = per_channel // 2 if not width else min(per_channel // 2, int(width))
        key = (tuple(interval), pairs, bool(auto_scale or ybounds is None),
               None if auto_scale or ybounds is None else tuple(ybounds))
        last = self._last_traces  # the same traces (a new selection): the same arrays
        if last is not None and last[0] is data and last[1] == key:
            out = Bunch(last[2])
        else:
            if auto_scale or ybounds is None:
                ybounds = quantile_bounds(data, self.trace_quantile)
            index, y = decimate_minmax(data, pairs)
            out = Bunch(interval=interval, data_bounds=(start, ybounds[0], end, ybounds[1]),
                        n_samples=len(data), decimated=len(index) < len(data),
                        x=start + index * self.dt, y=y.astype(np.float32, copy=False),
                        box=np.repeat(self.channel_y_ranks.astype(np.float32), len(index)))
            self._last_traces = (data, key, Bunch(out))
        out.trace_color = b.get("color")
        out.thresholds = threshold_lines(b.get("thresholds"), b.get("threshold_sign", "neg"),
                                         interval, self.channel_y_ranks)
        out.waveforms = waveform_arrays(
            b.get("waveforms") or [], cluster_ids, self.channel_y_ranks, self.dt,
            self.unselected_spike_color, self.max_waveform_points)
        return out

    def replot(self, **kwargs):
        """Fetch the current interval again (worker thread), then plot."""
        cluster_ids = list(self.cluster_ids)
        width = int(self.canvas.width() * self.canvas.devicePixelRatioF())
        args = (cluster_ids, self._interval, self.auto_scale, self._ybounds, width)
        if self._runner is not None and self.threaded:
            self._runner.submit(self.get_clusters_data, *args, key=id(self),
                                callback=lambda data: self._on_data(cluster_ids, kwargs, data),
                                error_callback=self._on_error)
        else:
            self._on_data(cluster_ids, kwargs, self.get_clusters_data(*args))

    # Plotting (GUI thread) --------------------------------------------------------------------

    def plot(self, **kwargs):
        """Upload the prepared arrays to the visuals."""
        d = self.data
        if d is None:
            return
        self.data_bounds = d.data_bounds
        self._ybounds = (d.data_bounds[1], d.data_bounds[3])
        if d.n_samples and self.n_channels:
            self.trace_visual.show()
            color = d.trace_color if d.trace_color is not None else self._trace_colors
            shown = (d.x, d.y, color, d.data_bounds, d.box)
            if self._shown_traces is None or any(
                    a is not b for a, b in zip(shown, self._shown_traces)):
                self.canvas.update_visual(self.trace_visual, x=d.x, y=d.y, color=color,
                                          data_bounds=d.data_bounds, box_index=d.box)
                self._shown_traces = shown  # unchanged traces are not uploaded again
        else:
            self.trace_visual.hide()
        th = d.get("thresholds")
        if th is not None:
            self.threshold_visual.show()
            self.canvas.update_visual(self.threshold_visual, data_bounds=d.data_bounds, **th)
        else:
            self.threshold_visual.hide()
        w = d.waveforms
        if w is not None:
            self.waveform_visual.show()
            self.canvas.update_visual(self.waveform_visual, x=w.x, y=w.y, lengths=w.lengths,
                                      color=w.color, data_bounds=d.data_bounds, box_index=w.box)
            self._spikes = w.click
        else:
            self.waveform_visual.hide()
            self._spikes = None
        self._show_labels()
        self.canvas.axes.reset_data_bounds(d.data_bounds)

    @property
    def status(self):
        if self._interval is None:
            return ""
        a, b = self._interval
        text = f"[{a:.3f} s - {b:.3f} s]"
        if self.data is not None and self.data.decimated:
            text += " (min/max envelope)"
        return f"{text} {self.ex_status}".strip()

    # GUI -----------------------------------------------------------------------------------------

    def attach(self, gui):
        """Attach the view to the GUI: actions, then show the interval."""
        super().attach(gui)
        self.actions.add(self.toggle_show_labels, checkable=True, checked=self.do_show_labels)
        self.actions.add(self.toggle_highlighted_spikes, checkable=True,
                         checked=self.show_all_spikes)
        self.actions.add(self.toggle_auto_scale, checkable=True, checked=self.auto_scale)
        self.actions.add(self.switch_origin)
        self.actions.separator()
        self.actions.add(self.go_to, prompt=True, prompt_default=lambda: f"{self.time:.6g}")
        self.actions.separator()
        self.actions.add(self.go_to_start)
        self.actions.add(self.go_to_end)
        self.actions.separator()
        self.actions.add(self.shift, prompt=True)
        self.actions.add(self.go_right)
        self.actions.add(self.go_left)
        self.actions.add(self.jump_right)
        self.actions.add(self.jump_left)
        self.actions.separator()
        self.actions.add(self.widen)
        self.actions.add(self.narrow)
        self.actions.separator()
        self.actions.add(self.go_to_next_spike)
        self.actions.add(self.go_to_previous_spike)
        self.actions.separator()
        self.set_interval()

    def set_state(self, state):
        """Restore the state; a saved interval is shown when the view is attached."""
        state = dict(state or {})
        interval = state.pop("interval", None)
        if interval is not None and len(interval) == 2:
            self._interval = self._restrict_interval(tuple(float(t) for t in interval))
        super().set_state(state)

    # Interval -------------------------------------------------------------------------------------

    def _restrict_interval(self, interval):
        """Round to whole samples and keep the interval inside the recording (its duration
        is kept when possible)."""
        start, end = (float(t) for t in interval)
        start = round(start * self.sample_rate) / self.sample_rate
        end = round(end * self.sample_rate) / self.sample_rate
        if start < 0:
            end += -start
            start = 0.
        elif end > self.duration:
            start -= end - self.duration
            end = self.duration
        start = float(np.clip(start, 0, self.duration))
        end = float(np.clip(end, start, self.duration))
        return start, end

    def set_interval(self, interval=None):
        """Show the traces and spikes of an interval (seconds); the current one by default."""
        interval = self._restrict_interval(interval if interval is not None else self._interval)
        changed = interval != self._interval
        self._interval = interval
        self.replot()
        if changed:
            emit("time_range_selected", self, interval)

    @property
    def interval(self):
        """Interval as ``(tmin, tmax)`` in seconds."""
        return self._interval

    @interval.setter
    def interval(self, value):
        self.set_interval(value)

    @property
    def time(self):
        """Time at the centre of the interval."""
        return sum(self._interval) * .5

    @property
    def half_duration(self):
        """Half of the duration of the current interval."""
        if self._interval is None:
            return self.interval_duration * .5
        a, b = self._interval
        return (b - a) * .5

    def go_to(self, time):
        """Go to a specific time (in seconds)."""
        h = self.half_duration
        self.set_interval((float(time) - h, float(time) + h))

    def shift(self, delay):
        """Shift the interval by a given delay (in seconds)."""
        self.go_to(self.time + float(delay))

    def go_to_start(self):
        """Go to the start of the recording."""
        self.go_to(0)

    def go_to_end(self):
        """Go to the end of the recording."""
        self.go_to(self.duration)

    def go_right(self):
        """Go to the right (10% of the interval)."""
        a, b = self._interval
        self.shift((b - a) * self.shift_amount)

    def go_left(self):
        """Go to the left (10% of the interval)."""
        a, b = self._interval
        self.shift(-(b - a) * self.shift_amount)

    def jump_right(self):
        """Jump to the right (10% of the recording)."""
        self.shift(self.duration * .1)

    def jump_left(self):
        """Jump to the left (10% of the recording)."""
        self.shift(-self.duration * .1)

    def widen(self):
        """Increase the interval size."""
        t, h = self.time, self.half_duration * self.scaling_coeff_x
        self.set_interval((t - h, t + h))

    def narrow(self):
        """Decrease the interval size."""
        t, h = self.time, self.half_duration / self.scaling_coeff_x
        self.set_interval((t - h, t + h))

    def _jump_to_spike(self, delta):
        times = self.get_spike_times() if self.get_spike_times is not None else None
        if times is None or not len(times):
            return
        times = np.asarray(times, dtype=np.float64)
        n = len(times)
        if self._last_jump is not None and self._last_jump[0] == self._interval:
            i = self._last_jump[1] + delta  # at a spike we jumped to: its neighbour
        elif delta > 0:  # first spike after the centre
            i = int(np.searchsorted(times, self.time + .5 * self.dt, side="right"))
        else:
            i = int(np.searchsorted(times, self.time - .5 * self.dt, side="left")) - 1
        i %= n
        self.go_to(times[i])
        self._last_jump = (self._interval, i)

    def go_to_next_spike(self):
        """Jump to the next spike from the first selected cluster."""
        self._jump_to_spike(+1)

    def go_to_previous_spike(self):
        """Jump to the previous spike from the first selected cluster."""
        self._jump_to_spike(-1)

    # Options ----------------------------------------------------------------------------------

    def toggle_highlighted_spikes(self, checked=None):
        """Toggle between showing all spikes or the selected clusters' spikes only."""
        self.show_all_spikes = (not self.show_all_spikes) if checked is None else bool(checked)
        self.set_interval()

    def toggle_show_labels(self, checked=None):
        """Toggle the display of the channel labels."""
        self.do_show_labels = (not self.do_show_labels) if checked is None else bool(checked)
        self._show_labels()

    def _show_labels(self):
        (self.text_visual.show if self.do_show_labels else self.text_visual.hide)()

    def toggle_auto_scale(self, checked=None):
        """Toggle the automatic scaling of the traces to each interval's amplitude."""
        self.auto_scale = (not self.auto_scale) if checked is None else bool(checked)

    @property
    def origin(self):
        """Where the first (lowest) channel is: ``'bottom'`` (default) or ``'top'``."""
        return self.canvas.stacked.origin

    @origin.setter
    def origin(self, value):
        if value is not None:
            self.canvas.stacked.origin = value

    def switch_origin(self):
        """Switch between top and bottom origin for the channels."""
        self.origin = "bottom" if self.origin == "top" else "top"

    # Scaling ----------------------------------------------------------------------------------

    @property
    def scaling(self):
        """Vertical scaling of the channel boxes."""
        return self.stacked._box_scaling[1]

    @scaling.setter
    def scaling(self, value):
        self.stacked._box_scaling = (self.stacked._box_scaling[0], float(value))
        self.stacked.update()

    def _get_scaling_value(self):
        return self.scaling

    def _set_scaling_value(self, value):
        self.scaling = value

    # Mouse ------------------------------------------------------------------------------------

    def _channel_at(self, pos):
        box, _ = self.canvas.stacked.box_map(pos)
        ch = np.flatnonzero(self.channel_y_ranks == int(box))
        return int(ch[0]) if len(ch) else None

    def on_mouse_click(self, e):
        """ctrl+click: the spike closest to the mouse on that channel (``spike_click``);
        shift+click: the channel (``channel_click``)."""
        if not self.n_channels or self.data_bounds is None:
            return
        if "Control" in e.modifiers and self._spikes is not None:
            channel_id = self._channel_at(e.pos)
            times, spike_ids, clusters, sig_channels, sig_spikes = self._spikes
            candidates = np.unique(sig_spikes[sig_channels == channel_id])
            if channel_id is None or not len(candidates):
                return
            x = self.canvas.window_to_ndc(e.pos)[0]
            t0, _, t1, _ = self.data_bounds
            mouse_time = t0 + (x + 1.) / 2. * (t1 - t0)
            i = candidates[np.argmin(np.abs(times[candidates] - mouse_time))]
            kw = dict(channel_id=channel_id, spike_id=int(spike_ids[i]),
                      cluster_id=int(clusters[i]))
            emit("spike_click", self, key=e.get("key"), **kw)
            emit("select_spike", self, **kw)  # phy 2.1's name for the same event
        elif "Shift" in e.modifiers:
            channel_id = self._channel_at(e.pos)
            if channel_id is not None:
                emit("channel_click", self, channel_id=channel_id, key=e.get("key"),
                     button=e.button)
                emit("select_channel", self, channel_id=channel_id, button=e.button)

    def on_mouse_wheel(self, e):
        """alt+wheel scrolls through time; ctrl+wheel scales the traces."""
        super().on_mouse_wheel(e)
        if tuple(e.modifiers) == ("Alt",) and self._interval is not None:
            a, b = self._interval
            delta = float(np.ravel(e.delta)[-1])
            self.shift(-delta * (b - a) * self.shift_amount)
