"""A custom raw data filter for the trace and waveform views: a 300-3000 Hz band-pass.

``alt+r`` cycles through the filters (``raw``, the default ``high_pass``, then those of the
plugins); the name of the current one is shown in the status bar and the views' titles.
A filter is a function ``f(array, axis=0)`` returning an array of the same shape, filtered
along ``axis`` (time): the views call it on windows of raw data.

Enable with ``c.TemplateGUI.plugins = ['ExampleRawDataFilterPlugin']``.
"""

from scipy.signal import butter, sosfiltfilt

from phyclone import IPlugin


class ExampleRawDataFilterPlugin(IPlugin):
    def attach_to_controller(self, controller):
        sos = butter(3, (300., 3000.), btype="bandpass", fs=float(controller.model.sample_rate),
                     output="sos")

        @controller.raw_data_filter.add_filter
        def band_pass(arr, axis=0):
            return sosfiltfilt(sos, arr, axis=axis)
