"""Detection parameters (defaults chosen by measurement, see docs/detect.md)."""

from dataclasses import asdict, dataclass, fields

from phyclone.utils.errors import DataError


@dataclass
class DetectParams:
    """Every parameter of :func:`phyclone.detect.detect`."""
    # Filtering
    low: float = 300.                # band-pass low cut (Hz)
    high: float = 6000.              # band-pass high cut (Hz); None: high-pass only
    order: int = 1                   # Butterworth order (1: best recall on GT; 2-3: line noise)
    reference: str = "none"          # common reference: none | median | mean
    # Noise and thresholds
    noise: str = "mad"               # mad (MAD / 0.6745) | std
    noise_window: float = None       # sliding window (s); None: whole recording (sampled)
    noise_chunks: int = 10           # chunks sampled for the noise (per window)
    noise_chunk_duration: float = .05  # s (10 × 1500 samples at 30 kHz: MAD within ~1 %)
    threshold: float = 5.            # threshold = threshold × noise
    fixed_threshold: float = None    # a global threshold (filtered data units) instead
    # Detector
    method: str = "bipolar"          # bipolar | multiphasic
    sign: str = "neg"                # neg | pos | both (both: precision 0.68 on GT, see docs)
    phase_window_us: float = 500.    # multiphasic: window for the opposite phase
    phase_ratio: float = .25         # multiphasic: second threshold / first phase amplitude
    lockout_us: float = 67.          # spatiotemporal lockout: time after a larger sample (µs)
    lockout_before_us: float = 34.  # ...and before it (None: lockout_us; see docs)
    lockout_um: float = 50.          # spatiotemporal lockout: radius (µm)
    near_um: float = 25.             # an event is the largest sample within this radius...
    prominence: float = .35          # ...and beyond, stands out by this × noise (see docs)
    # Sub-sample times and sample-and-hold delays
    interpolate: int = 2             # sinc interpolation factor (1: integer times only)
    sh_delay_us: float = 0.          # per AD channel delay (µs), e.g. 1.0
    channels_per_board: int = 32     # AD channels per board (for sh_delay_us)
    # Search
    time_range: tuple = None         # (start, stop) in seconds
    max_events: int = None
    random_order: bool = False       # random block order (with max_events: unbiased sample)
    seed: int = 0
    # Waveforms, features, clusters
    ms_before: float = .5
    ms_after: float = 1.
    n_pcs: int = 3
    n_local: int = 12                # channels per template / feature set
    split: bool = True               # split max-channel clusters by local PCA
    min_cluster_size: int = 50
    # Blocks
    block_duration: float = 1.       # s (rounded to whole filter segments)
    segment_duration: float = .2     # s: filter grid
    filter_margin_ms: float = 10.

    def check(self):
        """Raise ``DataError`` on an invalid value."""
        choices = dict(reference=("none", "median", "mean"), noise=("mad", "std"),
                       method=("bipolar", "multiphasic"), sign=("both", "neg", "pos"))
        for k, allowed in choices.items():
            if getattr(self, k) not in allowed:
                raise DataError(None, f"{k} must be one of {allowed}, not {getattr(self, k)!r}",
                                f"use --{k.replace('_', '-')} {allowed[0]}")
        positive = ("low", "order", "noise_chunks", "noise_chunk_duration", "threshold",
                    "interpolate", "n_pcs", "n_local", "block_duration", "segment_duration",
                    "min_cluster_size", "channels_per_board")
        for k in positive:
            if not getattr(self, k) > 0:
                raise DataError(None, f"{k} must be positive, not {getattr(self, k)!r}",
                                "give a positive value")
        for k in ("lockout_us", "lockout_before_us", "lockout_um", "near_um", "prominence",
                  "phase_window_us", "filter_margin_ms", "sh_delay_us", "ms_before", "ms_after"):
            if getattr(self, k) is not None and getattr(self, k) < 0:
                raise DataError(None, f"{k} must be >= 0", "give a non-negative value")
        if self.time_range is not None:
            a, b = self.time_range
            if not 0 <= a < b:
                raise DataError(None, f"time range {self.time_range} is empty",
                                "give --time-range START STOP with 0 <= START < STOP (s)")
        if self.max_events is not None and self.max_events < 1:
            raise DataError(None, "max_events must be >= 1", "give --max-events N >= 1")
        return self

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_kwargs(cls, **kwargs):
        names = {f.name for f in fields(cls)}
        bad = sorted(set(kwargs) - names)
        if bad:
            raise TypeError(f"unknown detection parameters: {bad}")
        return cls(**kwargs).check()
