"""Template waveforms, dense or sparse: unwhitening, best channels, dense views, per-template
summaries (peak channel, duration)."""

import numpy as np

from phyclone.utils import Bunch

from phyclone.io.template.sparse import from_sparse


class DenseTemplates:
    """Read-only dense view (n_templates, n_samples, n_channels) of the stored templates.

    Values are as stored (whitened); entirely-NaN templates read as zeros; sparse templates
    are expanded on all channels. Indexing reads only the requested templates.
    """

    def __init__(self, data, cols, empty, n_channels):
        self._data, self._cols, self._empty = data, cols, empty
        self.shape = (data.shape[0], data.shape[1], n_channels)
        self.dtype = data.dtype
        self.ndim = 3

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, item):
        ids = np.arange(self.shape[0])[item]
        scalar = np.ndim(ids) == 0
        ids = np.atleast_1d(ids)
        data = np.array(self._data[ids])
        data[self._empty[ids]] = 0
        if self._cols is not None:
            dense = from_sparse(data.transpose(0, 2, 1), self._cols[ids], np.arange(self.shape[2]))
            data = np.ascontiguousarray(dense.transpose(0, 2, 1))
        return data[0] if scalar else data

    def __array__(self, dtype=None, copy=None):
        out = self[:]
        return out.astype(dtype) if dtype is not None else out


def closest_channels(channel_positions, channel_index, n=None):
    """Channels sorted by distance to ``channel_index`` (itself first), the ``n`` closest."""
    d = np.sum((channel_positions - channel_positions[channel_index]) ** 2, axis=1)
    order = np.argsort(d, kind="stable")
    order = np.r_[channel_index, order[order != channel_index]]
    return order[:n] if n else order


class TemplateSet:
    """Templates of a dataset with the channel geometry needed to pick their best channels."""

    def __init__(self, data, cols, empty, wmi, channel_positions, channel_shanks, scaling=1.0):
        self.data, self.cols, self.empty = data, cols, empty
        self.wmi = wmi
        self.channel_positions = channel_positions
        self.channel_shanks = channel_shanks
        self.scaling = float(scaling)
        self.n_templates, self.n_samples, self.n_channels_loc = data.shape
        self.n_channels = len(channel_positions)

    def raw(self, template_id):
        """Stored (whitened) waveform (n_samples, n_channels_loc), NaN templates as zeros."""
        if self.empty[template_id]:
            return np.zeros(self.data.shape[1:], dtype=self.data.dtype)
        return np.asarray(self.data[template_id])

    def unwhiten(self, x, channel_ids=None):
        mat = self.wmi if channel_ids is None else self.wmi[np.ix_(channel_ids, channel_ids)]
        return (x @ mat * self.scaling).astype(np.float32)

    def get(self, template_id, channel_ids=None, amplitude_threshold=0, unwhiten=True,
            n_closest_channels=12):
        """``Bunch(template, channel_ids, amplitude, best_channel)``.

        ``template`` is (n_samples, len(channel_ids)); without ``channel_ids`` the best
        channels are chosen as phy does and sorted by decreasing amplitude (peak-to-peak of
        the unwhitened template): dense templates keep the ``n_closest_channels`` channels
        nearest to the peak channel on its shank whose amplitude reaches
        ``amplitude_threshold`` × the peak; sparse templates keep their channels that carry
        signal.
        """
        if self.cols is None:
            b = self._get_dense(template_id, amplitude_threshold, unwhiten, n_closest_channels)
        else:
            b = self._get_sparse(template_id, unwhiten)
        if channel_ids is not None:  # requested channels: zeros where a sparse template has none
            channel_ids = np.atleast_1d(np.asarray(channel_ids, dtype=np.int64))
            full = b.pop("full", None)
            if full is None:
                full = np.zeros((self.n_samples, self.n_channels), dtype=np.float32)
                full[:, b.channel_ids] = b.template
            amp = full.max(axis=0) - full.min(axis=0)
            b.template, b.amplitude = full[:, channel_ids], amp[channel_ids]
            b.channel_ids = channel_ids
        b.pop("full", None)
        return b

    def _get_dense(self, template_id, amplitude_threshold, unwhiten, n_closest):
        w = self.raw(template_id)
        template = self.unwhiten(w) if unwhiten else w.astype(np.float32)
        amplitude = template.max(axis=0) - template.min(axis=0)
        best = int(np.argmax(amplitude))
        peak = amplitude >= (amplitude_threshold or 0) * amplitude[best]
        close = np.zeros(self.n_channels, dtype=bool)
        close[closest_channels(self.channel_positions, best, n_closest)] = True
        same_shank = self.channel_shanks == self.channel_shanks[best]
        ids = np.flatnonzero(peak & close & same_shank)
        ids = ids[np.argsort(-amplitude[ids], kind="stable")]
        return Bunch(template=template[:, ids], amplitude=amplitude[ids], best_channel=best,
                     channel_ids=ids, full=template)

    def _get_sparse(self, template_id, unwhiten):
        w = self.raw(template_id)
        ids = self.cols[template_id]
        peak = np.abs(w).max(axis=0)
        # Dense templates saved as sparse (KiloSort 2): drop the channels without signal.
        keep = (ids >= 0) & (peak > peak.max() * 1e-6)
        w, ids = w[:, keep], ids[keep]
        template = self.unwhiten(w, ids) if unwhiten else w.astype(np.float32)
        amplitude = template.max(axis=0) - template.min(axis=0)
        order = np.argsort(-amplitude, kind="stable")
        best = int(ids[order[0]]) if len(ids) else -1
        return Bunch(template=template[:, order], amplitude=amplitude[order], best_channel=best,
                     channel_ids=ids[order].astype(np.int64))

    def peak_channels(self):
        """Channel of largest peak-to-peak amplitude of every (stored) template."""
        out = np.zeros(self.n_templates, dtype=np.int64)
        loc = np.zeros(self.n_templates, dtype=np.int64)
        for i in range(0, self.n_templates, 256):
            block = np.array(self.data[i:i + 256], dtype=np.float64)
            block[self.empty[i:i + 256]] = 0
            loc[i:i + 256] = np.argmax(block.max(axis=1) - block.min(axis=1), axis=1)
        out[:] = loc if self.cols is None else self.cols[np.arange(self.n_templates), loc]
        return out, loc

    def durations(self, sample_rate):
        """Trough-to-peak duration (ms) on the peak channel of every template (as phy: argmax
        minus argmin of the stored waveform)."""
        _, loc = self.peak_channels()
        out = np.zeros(self.n_templates)
        for i in range(0, self.n_templates, 256):
            block = np.array(self.data[i:i + 256], dtype=np.float64)
            block[self.empty[i:i + 256]] = 0
            w = block[np.arange(len(block)), :, loc[i:i + 256]]
            out[i:i + 256] = w.argmax(axis=1) - w.argmin(axis=1)
        return out / sample_rate * 1e3
