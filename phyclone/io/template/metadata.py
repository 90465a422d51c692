"""Cluster metadata tables (``cluster_<field>.tsv``, legacy ``cluster_groups.csv``, any
other CSV/TSV with a ``cluster_id`` column): read as ``{field: {cluster_id: value}}``."""

import logging

from phyclone.utils.errors import DataError
from phyclone.utils.fileio import read_tsv, write_text, write_tsv

logger = logging.getLogger(__name__)


def load_metadata(path):
    """``{field: {cluster_id: value}}`` of one table (delimiter sniffed; empty cells skipped)."""
    out = {}
    for row in read_tsv(path):
        cluster_id = row.get("cluster_id")
        if cluster_id is None:
            continue
        if not isinstance(cluster_id, int):
            raise DataError(path, f"cluster_id {cluster_id!r} is not an integer",
                            "write integer cluster ids in the cluster_id column")
        for field, value in row.items():
            if field != "cluster_id" and field and value is not None:
                out.setdefault(field, {})[cluster_id] = value
    return out


def load_all_metadata(paths):
    """Merge the tables of ``paths`` (later files win); unreadable files are skipped."""
    metadata = {}
    for path in paths:
        try:
            fields = load_metadata(path)
        except DataError as e:
            logger.warning("Skipping cluster metadata %s: %s", path.name, e)
            continue
        for field, values in fields.items():
            metadata[field] = values
    return metadata


def save_metadata(path, field, values):
    """Write ``cluster_id<TAB>field`` rows sorted by cluster id, atomically (None dropped)."""
    rows = [{"cluster_id": int(c), field: values[c]}
            for c in sorted(values) if values[c] is not None]
    if rows:
        write_tsv(path, rows, first_field="cluster_id")
    else:
        write_text(path, f"cluster_id\t{field}\n")
