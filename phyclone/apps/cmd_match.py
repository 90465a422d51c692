"""``phy match``: template matching of clusters against every spike of a template-gui folder
(mode A: events below each cluster's threshold are assigned to it) and, with ``--slide``, the
spikes detection missed (mode B: added to the folder)."""

import click

from phyclone.utils.errors import DataError


def _parse_clusters(text, all_ids):
    if text.strip().lower() == "all":
        return [int(c) for c in all_ids]
    try:
        ids = [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise click.BadParameter(f"{text!r}: use a comma-separated list of ids or 'all'") from None
    missing = sorted(set(ids) - set(int(c) for c in all_ids))
    if missing:
        raise click.BadParameter(f"no cluster {', '.join(map(str, missing))} in the folder")
    return ids


def _threshold(text):
    if text is None or text.lower() == "auto":
        return None
    try:
        return float(text)
    except ValueError:
        raise click.BadParameter(f"{text!r}: use 'auto' or a number") from None


def run_match(params_path, clusters="all", threshold=None, slide=False, time_range=None,
              jobs=None, weighting="signal", tolerance_um=100., echo=print):
    """Match clusters, assign the events below threshold, optionally recover missed spikes;
    save; return the summary rows."""
    import numba
    import numpy as np

    from phyclone.io.add_spikes import add_spikes
    from phyclone.io.template.model import load_model
    from phyclone.match.matcher import Matcher
    from phyclone.session import Session

    if jobs:
        numba.set_num_threads(max(1, min(int(jobs), numba.config.NUMBA_NUM_THREADS)))
    model = load_model(params_path)
    try:
        session = Session(model.spike_clusters)
        ids = _parse_clusters(clusters, session.cluster_ids)
        matcher = Matcher(model, weighting=weighting, tolerance_um=tolerance_um)
        res = matcher.match(ids, session.clustering.spike_clusters, time_range=time_range,
                            progress=True)
        thresholds = {c: (threshold if threshold is not None else r.threshold)
                      for c, r in res.clusters.items()}
        below = matcher.below_threshold(res, thresholds)
        rows = []
        current = {c: c for c in ids}  # cluster ids change with every action
        for c in ids:
            before = session.n_spikes(current[c])
            up = session.assign_matched(current[c], below[c])
            if up is not None:  # the clusters that lost spikes got new ids too
                new_id = int(session.selected[0])
                for cc in ids:
                    if cc != c and current[cc] in up.deleted:
                        current[cc] = _descendant(up, current[cc], new_id)
                current[c] = new_id
            rows.append(dict(cluster=c, new_id=current[c], threshold=thresholds[c],
                             before=before, assigned=session.n_spikes(current[c]) - before,
                             recovered=0))
        sc = session.clustering.spike_clusters
        recovered_t, recovered_c = [], []
        if slide:
            for row in rows:
                # over the residual of the neighbouring clusters' spikes; the automatic
                # threshold also bounds the sliding (threshold.slide_threshold)
                miss = matcher.missed(res, row["cluster"], threshold, time_range=time_range,
                                      progress=True, peel=True)
                row["recovered"] = len(miss.spike_samples)
                recovered_t.append(miss.spike_samples)
                recovered_c.append(np.full(len(miss.spike_samples), row["new_id"]))
        model.save_spike_clusters(sc)
        if slide and sum(len(t) for t in recovered_t):
            add_spikes(model.dir_path, np.concatenate(recovered_t), np.concatenate(recovered_c),
                       current_spike_clusters=sc)
    finally:
        model.close()
    echo(f"{'cluster':>8} {'new id':>7} {'threshold':>11} {'spikes':>8} {'assigned':>9} "
         f"{'recovered':>10}")
    for r in rows:
        echo(f"{r['cluster']:>8} {r['new_id']:>7} {r['threshold']:>11.4g} {r['before']:>8} "
             f"{r['assigned']:>+9} {r['recovered']:>10}")
    return rows


def _descendant(up, old, taken_by):
    """The new id of what is left of cluster ``old`` after spikes went to ``taken_by``."""
    for a, b in up.descendants:
        if a == old and b != taken_by:
            return b
    return old


KWIK_MESSAGE = ("{path}: a Kwik dataset cannot take new spikes (its spike arrays have a "
                "fixed size) — fix: write a new template-gui folder with `--out DIR` "
                "(raw data, spikes, clusters), then run `phy match DIR/params.py`")


def _kwik_to_folder(kwik_path, out_dir):
    from phyclone.io.kwik_export import write_template_folder
    from phyclone.io.kwik.model import KwikModel
    model = KwikModel(kwik_path)
    try:
        return write_template_folder(model, out_dir)
    finally:
        model.close()


@click.command("match")
@click.argument("params_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--clusters", default="all", show_default=True,
              help="Comma-separated cluster ids, or 'all'.")
@click.option("--threshold", default="auto", show_default=True,
              help="'auto' (trough of each cluster's error histogram) or a match error value.")
@click.option("--slide", is_flag=True, help="Also slide each template over the recording and "
              "add the spikes detection missed (mode B).")
@click.option("--time-range", nargs=2, type=float, default=None, metavar="A B",
              help="Only events (and sliding) between A and B seconds.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Threads.")
@click.option("--weighting", type=click.Choice(["signal", "none", "spatial", "temporal",
                                                "spatiotemporal"]), default="signal",
              show_default=True)
@click.option("--tolerance-um", type=float, default=100., show_default=True,
              help="Max-channel tolerance between an event and a template.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Kwik input: write it as a new template-gui folder here and match there.")
def match_cmd(params_path, clusters, threshold, slide, time_range, jobs, weighting,
              tolerance_um, out):
    """Template matching (spyke): assign the spikes below each cluster's match-error
    threshold to it, and with --slide add the spikes detection missed."""
    if str(params_path).endswith(".kwik"):
        if out is None:
            raise click.ClickException(KWIK_MESSAGE.format(path=params_path))
        try:
            params_path = _kwik_to_folder(params_path, out)
        except (DataError, ValueError) as e:
            raise click.ClickException(str(e)) from None
        click.echo(f"Wrote {params_path}.")
    try:
        run_match(params_path, clusters, _threshold(threshold), slide, time_range, jobs,
                  weighting, tolerance_um, echo=click.echo)
    except (DataError, ValueError) as e:
        raise click.ClickException(str(e)) from None
