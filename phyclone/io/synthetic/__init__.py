"""Synthetic datasets with ground truth (``phy synthetic``, ``phy demo``)."""
