"""Probes: multi-electrode arrays, ``.prb`` files (read safely, never executed)."""

from .mea import MEA, edges_to_adjacency, linear_positions, list_probes, load_probe  # noqa: F401
