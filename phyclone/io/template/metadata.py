"""Cluster metadata tables (``cluster_<field>.tsv``, legacy ``cluster_groups.csv``, any
other CSV/TSV with a ``cluster_id`` column): read as ``{field: {cluster_id: value}}``.

Every column remembers the files that describe it, so that a save rewrites the file a label
came from (same name, column, delimiter and line endings) instead of adding a second file
for the same column (e.g. SpikeInterface's ``cluster_si_unit_ids.tsv`` holds ``si_unit_id``).
"""

import logging
from pathlib import Path

from phyclone.utils.errors import DataError
from phyclone.utils.fileio import read_tsv, tsv_format, write_text, write_tsv

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


def _columns(path):
    """The columns of a table's header other than ``cluster_id`` (fields with only empty
    cells included: ``load_metadata`` leaves them out)."""
    header = tsv_format(path)[0]
    return [h for h in header if h and h != "cluster_id"] if "cluster_id" in header else []


def load_all_metadata(paths):
    """``(metadata, sources)``: the tables of ``paths`` merged in that order (a later file
    wins, as in phylib), and ``{field: [paths describing it, in reading order]}``.

    Unreadable files are skipped with a warning; a field described by several files with
    different values is reported (which files, which one is used).
    """
    metadata, sources = {}, {}
    for path in paths:
        try:
            fields = load_metadata(path)
            columns = _columns(path)
        except DataError as e:
            logger.warning("Skipping cluster metadata %s: %s", Path(path).name, e)
            continue
        for field in dict.fromkeys(columns + list(fields)):
            values = fields.get(field, {})
            previous = sources.get(field, [])
            if previous and values and metadata.get(field, {}) != values:
                logger.warning(
                    "Cluster metadata: column %r is described by %s with different values; "
                    "using %s (the file phylib reads last). Saving rewrites all of them.",
                    field, ", ".join(p.name for p in previous + [Path(path)]), Path(path).name)
            elif previous and values:
                logger.info("Cluster metadata: column %r is described by %s (same values).",
                            field, ", ".join(p.name for p in previous + [Path(path)]))
            sources.setdefault(field, []).append(Path(path))
            if values:  # as phylib: a column whose cells are all empty overrides nothing
                metadata[field] = values
    return metadata, sources


def save_metadata(path, field, values):
    """Write ``cluster_id<TAB>field`` rows sorted by cluster id, atomically (None dropped)."""
    rows = [{"cluster_id": int(c), field: values[c]}
            for c in sorted(values) if values[c] is not None]
    if rows:
        write_tsv(path, rows, first_field="cluster_id")
    else:
        write_text(path, f"cluster_id\t{field}\n")


def write_column(path, metadata, column):
    """Write ``column`` (and the other columns of the file) into a table, atomically.

    An existing file keeps its header (names, order; ``column`` appended when absent), its
    delimiter and its line endings, and every column gets its current value from
    ``metadata`` (``{field: {cluster_id: value}}``; a column missing there is kept empty). A
    new file is ``cluster_id<TAB>column`` (comma-separated for ``.csv``), as phy writes it.
    Rows: the clusters with a value in any column, sorted by id.
    """
    path = Path(path)
    if path.exists():
        header, delimiter, newline = tsv_format(path)
        if "cluster_id" not in header:
            raise DataError(path, f"has no cluster_id column, so {column!r} cannot be written "
                            "into it", "rename this file or add a cluster_id column")
    else:
        header, delimiter, newline = ["cluster_id"], None, "\n"
    fields = list(dict.fromkeys([h for h in header if h] + [column]))
    columns = [f for f in fields if f != "cluster_id"]
    ids = sorted({int(c) for f in columns for c, v in metadata.get(f, {}).items()
                  if v is not None})
    rows = [dict({f: metadata.get(f, {}).get(c) for f in columns}, cluster_id=c) for c in ids]
    write_tsv(path, rows, fields=fields, delimiter=delimiter, newline=newline)
    return path
