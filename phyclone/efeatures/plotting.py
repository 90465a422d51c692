"""PDF plots (matplotlib, Agg): recordings per cell and protocol, e-features versus
amplitude per cell and across cells, impedance of the SineSpec sweeps, legend."""

import logging
import pathlib
from functools import partial
from itertools import cycle

import numpy as np

logger = logging.getLogger(__name__)


def _plt():
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "pdf"):
        try:
            matplotlib.use("Agg")
        except Exception:  # a GUI backend already in use: keep it
            pass
    import matplotlib.pyplot as plt
    return plt


def _save_fig(fig, directory, filename):
    plt = _plt()
    path = pathlib.Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    fig.savefig(path / filename, dpi=80, pad_inches=0)
    plt.close(fig)


def _colors_markers(cells):
    colors = cycle([f"C{i}" for i in range(10)])
    markers = cycle(["o", "v", "^", "s", "*", "d", "x"])
    names = [c.name for c in cells]
    return {n: next(colors) for n in names}, {n: next(markers) for n in names}


def plot_cell_recordings(cell, protocol_name, output_dir=None, show=False):
    """``<output_dir>/<cell>/<cell>_<protocol>_recordings.pdf``: sweeps sorted by amplitude,
    12 per page (current above voltage)."""
    from matplotlib.backends.backend_pdf import PdfPages
    plt = _plt()
    recordings = cell.get_recordings_by_protocol_name(protocol_name)
    if not recordings or output_dir is None:
        return
    recordings = [recordings[k] for k in np.argsort([r.amp for r in recordings])]
    n_cols, per_page = 6, 12
    dirname = pathlib.Path(output_dir) / cell.name
    dirname.mkdir(parents=True, exist_ok=True)
    with PdfPages(dirname / f"{cell.name}_{protocol_name}_recordings.pdf") as pdf:
        for page in range(int(np.ceil(len(recordings) / per_page))):
            chunk = recordings[page * per_page:(page + 1) * per_page]
            n_rows = int(np.ceil(len(chunk) / n_cols)) * 2
            fig, axs = plt.subplots(n_rows, n_cols, figsize=[3.0 * n_cols, 2.5 * n_rows],
                                    squeeze=False)
            for i, rec in enumerate(chunk):
                col, row = i % n_cols, (i // n_cols) * 2
                rec.plot(axis_current=axs[row][col], axis_voltage=axs[row + 1][col],
                         display_xlabel=(row // 2) + 1 == n_rows // 2,
                         display_ylabel=col == 0)
            fig.suptitle(f"Cell: {cell.name}, Experiment: {protocol_name}, Page: {page + 1}")
            fig.subplots_adjust(wspace=0.53, hspace=0.7)
            for ax in axs.flatten():
                if not ax.lines:
                    ax.set_visible(False)
            if show:
                plt.show()
            pdf.savefig(fig, dpi=80)
            plt.close(fig)


def _plot_cell(cell, output_dir, show=False):
    cell.plot_all_recordings(output_dir, show=show)


def plot_all_recordings(cells, output_dir, show=False, mapper=map):
    """Recordings PDFs of every cell and protocol."""
    list(mapper(partial(_plot_cell, output_dir=output_dir, show=show), cells))


def plot_efeature(cells, efeature, protocol_name, output_dir, protocols=(), key_amp="amp",
                  colors=None, markers=None, show=False, show_targets=True):
    """One e-feature of a protocol versus amplitude (``amp`` nA or ``amp_rel`` %), the
    targets' mean ± std in black."""
    if not cells:
        logger.warning("In plot_efeature, no cells object to plot.")
        return
    plt = _plt()
    if not colors or not markers:
        colors, markers = _colors_markers(cells)
    fig = plt.figure()
    ax = fig.add_subplot(1, 1, 1)
    has_data = False
    for cell in cells:
        x, y = [], []
        for rec in cell.get_recordings_by_protocol_name(protocol_name):
            if getattr(rec, key_amp, None) and efeature in rec.efeatures:
                x.append(getattr(rec, key_amp))
                y.append(rec.efeatures[efeature])
        has_data = has_data or bool(y)
        ax.scatter(x, y, c=colors[cell.name], marker=markers[cell.name], s=5.0)
        for protocol in protocols:
            if protocol.name != protocol_name or not show_targets:
                continue
            x_key = (protocol.amplitude if key_amp == "amp_rel"
                     else np.mean([r.amp for r in protocol.recordings]))
            target = next((t for t in protocol.feature_targets
                           if t.efel_feature_name == efeature), None)
            if target is not None:
                ax.errorbar(x_key, target.mean, yerr=target.std, marker="o", elinewidth=0.8,
                            markersize=3.0, c="black", zorder=100, alpha=0.8, capsize=2)
    if not has_data:
        plt.close(fig)
        return
    ax.set_xlabel("Relative step amplitude ($I/I_{thresh}$)" if key_amp == "amp_rel"
                  else "Step amplitude (nA)", size="x-large")
    ax.set_ylabel(efeature, size="x-large")
    ax.set_title(f"Protocol: {protocol_name}, EFeature: {efeature}", size="xx-large")
    if show:
        fig.show()
    if output_dir:
        if len(cells) == 1:
            _save_fig(fig, pathlib.Path(output_dir) / cells[0].name,
                      f"{cells[0].name}_{protocol_name}_{efeature}_{key_amp}.pdf")
        else:
            _save_fig(fig, output_dir, f"{protocol_name}_{efeature}_{key_amp}.pdf")
    else:
        plt.close(fig)


def plot_efeatures(cells, protocol_name, output_dir=None, protocols=(), key_amp="amp",
                   colors=None, markers=None, show=False, show_targets=True):
    """Every e-feature targeted for ``protocol_name``."""
    if not cells:
        logger.warning("In plot_efeatures, no cells object to plot.")
        return
    efeatures = {t.efel_feature_name for p in protocols if p.name == protocol_name
                 for t in p.feature_targets}
    for efeature in sorted(efeatures):
        plot_efeature(cells, efeature, protocol_name, output_dir, protocols=protocols,
                      key_amp=key_amp, colors=colors, markers=markers, show=show,
                      show_targets=show_targets)


def _plot_individual(cell, output_dir, protocols, key_amp, colors, markers, show):
    for protocol_name in cell.get_protocol_names():
        plot_efeatures([cell], protocol_name, output_dir, protocols, key_amp, colors, markers,
                       show, show_targets=False)


def plot_individual_efeatures(cells, protocols, output_dir=None, colors=None, markers=None,
                              key_amp="amp", show=False, mapper=map):
    """E-feature plots of each cell, in its folder."""
    if not colors or not markers:
        colors, markers = _colors_markers(cells)
    list(mapper(partial(_plot_individual, output_dir=output_dir, protocols=protocols,
                        key_amp=key_amp, colors=colors, markers=markers, show=show), cells))


def plot_grouped_efeatures(cells, protocols, output_dir=None, colors=None, markers=None,
                           key_amp="amp", show=False):
    """E-feature plots across all cells, with the targets."""
    if not cells:
        logger.warning("In plot_grouped_efeatures, no cells object to plot.")
        return
    if not colors or not markers:
        colors, markers = _colors_markers(cells)
    for protocol_name in sorted({p.name for p in protocols}):
        plot_efeatures(cells, protocol_name, output_dir, protocols, key_amp, colors, markers,
                       show)
    _plot_legend(colors, markers, output_dir, show=show)


def _plot_legend(colors, markers, output_dir, show=False):
    if not colors:
        raise Exception("Plot legend needs an non-empty colors dictionary.")
    plt = _plt()
    ncols = np.ceil(np.sqrt(len(colors)))
    fig, axs = plt.subplots(1, figsize=(6, 6), squeeze=False)
    ax = axs[0, 0]
    for i, name in enumerate(colors):
        x, y = 2.5 * int(i / ncols), 0.5 * (i % ncols)
        ax.scatter(x=x, y=y, c=colors[name], marker=markers[name], s=8.0)
        ax.text(x=x + 0.1, y=y - 0.08, s=name, fontsize=5)
    ax.set_xlim(-1.0, 2.0 * ncols + 1)
    ax.set_ylim(-1.0, ncols + 1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_frame_on(False)
    if show:
        fig.show()
    if output_dir:
        _save_fig(fig, output_dir, "legend.pdf")
    else:
        plt.close(fig)


def plot_impedance(cell, output_dir, efel_settings):
    """Normalised impedance |V/I| (FFT, smoothed) of each SineSpec sweep up to
    ``impedance_max_freq``, in ``<output_dir>/<cell>/impedance/``."""
    from scipy.ndimage import gaussian_filter1d
    plt = _plt()
    dt = (efel_settings or {}).get("interp_step", 0.1)
    z_max_freq = (efel_settings or {}).get("impedance_max_freq", 50.0)
    for protocol_name in cell.get_protocol_names():
        if "sinespec" not in protocol_name.lower():
            continue
        for i, rec in enumerate(cell.get_recordings_by_protocol_name(protocol_name)):
            vals = rec.call_efel(["voltage_base", "steady_state_voltage_stimend",
                                  "current_base", "steady_state_current_stimend"],
                                 efel_settings)[0]
            v0 = (vals["voltage_base"] if vals["voltage_base"] is not None
                  else vals["steady_state_voltage_stimend"])[0]
            i0 = (vals["current_base"] if vals["current_base"] is not None
                  else vals["steady_state_current_stimend"])[0]
            fft_v = np.fft.fft(rec.voltage - v0)
            fft_i = np.fft.fft(rec.current - i0)
            if not np.any(fft_i):
                continue
            freq = np.fft.fftfreq(len(rec.voltage), d=dt / 1000.)
            z = np.abs(fft_v / fft_i)
            z /= z.max()
            sel = (freq > 0) & (freq <= z_max_freq)
            fig = plt.figure()
            ax = fig.add_subplot(1, 1, 1)
            ax.plot(freq[sel], gaussian_filter1d(z[sel], 10))
            ax.set_xlabel("Frequency (Hz)")
            ax.set_ylabel("normalized Z")
            fig.suptitle(f"Impedance for {rec.name}\nfor cell {cell.name}")
            _save_fig(fig, pathlib.Path(output_dir) / cell.name / "impedance",
                      f"{cell.name}_{protocol_name}_{i}_{rec.name}_impedance.pdf")


def plot_all_impedances(cells, output_dir, mapper=map, efel_settings=None):
    list(mapper(partial(plot_impedance, output_dir=output_dir, efel_settings=efel_settings),
                cells))


def plot_all_recordings_efeatures(cells, protocols, output_dir=None, show=False, mapper=map,
                                  efel_settings=None):
    """Every plot: recordings, impedances, e-features per cell and across cells, legend."""
    colors, markers = _colors_markers(cells)
    plot_all_recordings(cells, output_dir, mapper=mapper)
    plot_all_impedances(cells, output_dir, mapper=map, efel_settings=efel_settings)
    for key_amp in ("amp", "amp_rel"):
        plot_individual_efeatures(cells, protocols, output_dir, colors=colors, markers=markers,
                                  key_amp=key_amp, show=show, mapper=mapper)
        plot_grouped_efeatures(cells, protocols, output_dir, colors=colors, markers=markers,
                               key_amp=key_amp, show=show)
