"""Template matching (spyke): templates from clusters, the match error, mode A (events
against templates), mode B (templates slid over the recording: missed spikes), automatic
thresholds. No Qt."""

from .templates import cluster_templates  # noqa: F401
from .threshold import auto_threshold, log_histogram  # noqa: F401
from .weights import WEIGHTINGS  # noqa: F401
