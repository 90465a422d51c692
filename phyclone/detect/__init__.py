"""Spike detection (spyke-style, numba): raw recording → events → a template-gui folder.

Main entry points: :func:`detect` (the whole run), :func:`read_raw` (open a recording),
:func:`load_channel_positions` (probe files), :func:`filtered_range` (band-pass filtered
samples on the block-independent segment grid), :func:`detect_events` (the detectors with
spatiotemporal lockout), :func:`sinc_interpolate` (sinc interpolation with sample-and-hold
delay correction).
"""

from .config import DetectParams
from .detectors import detect_events
from .filters import bandpass_sos, filtered_range
from .noise import noise_levels
from .output import load_detection, write_folder
from .pipeline import detect
from .prepare import prepare, resolve_probe
from .probe import load_channel_positions
from .raw import RawSpec, read_raw
from .sinc import (fractional_shift, sample_and_hold_delays, sinc_interpolate, sinc_kernels,
                   subsample_peaks)

__all__ = ["DetectParams", "RawSpec", "bandpass_sos", "detect", "detect_events",
           "filtered_range", "fractional_shift", "load_channel_positions", "load_detection",
           "noise_levels", "write_folder",
           "prepare", "read_raw", "resolve_probe", "sample_and_hold_delays",
           "sinc_interpolate", "sinc_kernels", "subsample_peaks"]
