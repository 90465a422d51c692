"""Writing a curated clustering as phy does (the files phylib and spike sorting tools read).

Order matters for crash safety: the label tables are written first and
``spike_clusters.npy`` last. Each file is replaced atomically; the crash journal is only
truncated by the caller once everything is on disk. A crash in between leaves either the
previous clustering with its journal (replayed identically at the next start: the label
tables then already hold the new ids, which the replay recreates with the same labels) or the
complete new clustering.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from numpy.typing import ArrayLike

from phyclone.utils.fileio import write_text, write_tsv

logger = logging.getLogger(__name__)

#: Columns of the cluster view that are not written to cluster_info.tsv.
EXCLUDED_INFO_FIELDS = ("is_masked",)


def save_cluster_groups(path: str | os.PathLike[str], groups: Mapping[int, str | None]) -> Path:
    """``cluster_group.tsv``: ``cluster_id<TAB>group`` for every cluster, sorted by id,
    ``unsorted`` when a cluster has no group."""
    rows = [{"cluster_id": int(c), "group": groups[c] or "unsorted"} for c in sorted(groups)]
    if rows:
        write_tsv(path, rows, first_field="cluster_id")
    else:  # the header alone still says what the file holds
        write_text(path, "cluster_id\tgroup\n")
    return Path(path)


def save_cluster_info(dir_path: str | os.PathLike[str], cluster_info: Iterable[Mapping[str, Any]]
                      ) -> Path:
    """``cluster_info.tsv``: every column of the cluster view, ``cluster_id`` first, numbers
    with 8 significant figures."""
    rows = []
    for row in cluster_info:
        row = dict(row)
        row["cluster_id"] = row.pop("id")
        rows.append(row)
    path = Path(dir_path) / "cluster_info.tsv"
    write_tsv(path, rows, first_field="cluster_id", exclude_fields=EXCLUDED_INFO_FIELDS,
              n_significant_figures=8)
    return path


def save_clustering(model: Any, spike_clusters: ArrayLike, groups: Mapping[int, str | None],
                    labels: Iterable[tuple[str, Mapping[int, Any]]],
                    cluster_info: Iterable[Mapping[str, Any]],
                    write_spike_clusters: Callable[[ArrayLike], Path] | None = None
                    ) -> list[Path]:
    """Write the clustering into the model's folder.

    ``groups``: ``{cluster_id: group}`` of every cluster; ``labels``: ``(name, {cluster_id:
    value})`` pairs (the ``group`` pair is ignored: ``groups`` has the defaults filled in);
    ``cluster_info``: the rows of the cluster view; ``write_spike_clusters``: what writes
    ``spike_clusters`` last (default the model's ``save_spike_clusters``). Returns the
    written paths.
    """
    dir_path = Path(model.dir_path)
    if hasattr(model, "save_cluster_groups"):  # also keeps the files groups came from
        paths = [model.save_cluster_groups(groups)]
    else:
        paths = [save_cluster_groups(dir_path / "cluster_group.tsv", groups)]
    for name, values in labels:
        if name == "group":
            continue
        paths.append(model.save_metadata(name, values))
    paths.append(save_cluster_info(dir_path, cluster_info))
    paths.append((write_spike_clusters or model.save_spike_clusters)(spike_clusters))
    logger.info("Saved the clustering (%d clusters) in %s.", len(groups), dir_path)
    return paths
