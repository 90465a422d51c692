"""Keeping the views up to date without blocking the GUI thread.

The views prepare their data in worker threads themselves (``phyclone.cluster.views.base``).
``ViewUpdater`` re-fetches some on request, and warms up the compiled kernels (numba
correlograms, filters, scipy) and the controller's per-cluster caches in a worker thread at
start-up, so that the first selection does not pay for them.
"""

import logging
import time

import numpy as np

logger = logging.getLogger(__name__)


def warm_up_kernels(sample_rate):
    """Compile or load the numba kernels (statistics, filters, the software splatter of
    the views) and import scipy.signal (a worker runs this)."""
    t0 = time.perf_counter()
    from phyclone.io.raw.filtering import filter_windows, highpass
    from phyclone.plot import softraster
    softraster.warm_up()
    from phyclone.stats import correlograms, histogram
    samples = np.arange(0, 3000, 7, dtype=np.int64)
    correlograms(samples, samples % 2, cluster_ids=[0, 1], sample_rate=sample_rate,
                 bin_size=1e-3, window_size=50e-3)
    histogram(np.linspace(0, 1, 16), 0., 1., 4)
    filter_windows(np.zeros((1, 64, 2), dtype=np.float32), sample_rate)
    highpass(np.zeros((64, 2), dtype=np.float32), sample_rate)
    logger.debug("Kernels warmed up in %.2f s.", time.perf_counter() - t0)
    return time.perf_counter() - t0


class ViewUpdater:
    """Warm-up and refreshes of the views of a controller's GUI."""

    def __init__(self, controller, gui, threaded=True):
        self.controller = controller
        self.gui = gui
        self.threaded = threaded
        self.warm_up_time = None
        self.cancelled = False  # set when the GUI closes

    def refresh(self, class_names, status=None):
        """Fetch the data of the views of these classes again (e.g. after a raw data filter
        change), with ``status`` as their extra status text."""
        for view in self.gui.list_views(*class_names):
            if status is not None:
                view.ex_status = status
            if getattr(view, "auto_update", True) and hasattr(view, "replot"):
                view.replot()

    def _warm_up(self):
        from phyclone.gui.workers import shutting_down
        t0 = time.perf_counter()
        warm_up_kernels(float(self.controller.model.sample_rate))
        if not (self.cancelled or shutting_down()):  # the GUI closed meanwhile: no need
            self.controller.warm_up_caches()
        return time.perf_counter() - t0

    def warm_up(self):
        """Compile the kernels and fill the controller's per-cluster caches in a worker
        thread (inline when not threaded)."""
        if not self.threaded:
            self.warm_up_time = self._warm_up()
            return
        from phyclone.gui import run_in_worker

        def done(t):
            self.warm_up_time = t
            logger.debug("Warm-up done in %.2f s.", t)
        run_in_worker(self._warm_up, callback=done)
