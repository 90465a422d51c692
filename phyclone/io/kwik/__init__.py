"""Kwik datasets (klusta, SpikeDetekt): HDF5 helpers, loading, the KwikModel, clusterings, editing, recordings, writing Kwik files."""
