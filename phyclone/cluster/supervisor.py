"""Supervisor: the Qt adaptor of the curation ``Session`` (phy's ``phy.cluster.Supervisor``).

The pure ``phyclone.session.Session`` holds the clustering, the labels, the selection, the
wizard, the undo stack and the crash journal. The Supervisor shows them in two tables
(``ClusterView``, ``SimilarityView``), creates phy's actions, shortcuts and snippets, and
re-emits what happens on the global event bus with itself as the sender:

* ``select(supervisor, cluster_ids)`` after every selection change (debounced: rapid key
  repeats end on the latest selection; ``block()`` waits for it),
* ``cluster(supervisor, up)`` after every clustering or label action, undo and redo (the
  tables are already up to date, ``select`` follows),
* ``attach_gui(supervisor)``, ``save_clustering(supervisor, spike_clusters, groups, *labels)``,
  ``request_split(supervisor)`` (views answer with the spike ids of their lasso),
  ``color_mapping_changed(supervisor)``, ``toggle_spike_reorder(supervisor, checked)``.

The tables emit ``table_sort`` / ``table_filter`` (sender: the table) themselves.
"""

import logging
import time

import numpy as np

from phyclone.gui import Debouncer, ask
from phyclone.gui.table import answer as _answer
from phyclone.qt import QApplication, Qt, QTimer
from phyclone.session import MASKED_GROUPS, Session
from phyclone.utils import Bunch, connect, emit, unconnect
from phyclone.utils.errors import DataError

from .cluster_view import ClusterView, SimilarityView
from .selection_source import SelectionSource
from .supervisor_actions import ActionCreator
from .supervisor_colors import ColorMappingMixin

logger = logging.getLogger(__name__)


class Supervisor(ColorMappingMixin, SelectionSource):
    """Manual clustering in a GUI: tables, selection, wizard, actions, undo, save.

    Constructor (phy's, plus the crash journal)
    -------------------------------------------
    spike_clusters : int array (n_spikes,)
    cluster_groups : ``{cluster_id: 'noise'|'mua'|'good'|'unsorted'|None}``
    cluster_metrics : ``{name: function cluster_id -> value}`` (table columns; ``n_spikes``
        is added when missing)
    cluster_labels : ``{label: {cluster_id: value}}``
    similarity : function ``cluster_id -> [(other_id, similarity), ...]``, best first
    new_cluster_id : first id for new clusters (default: from ``context``, else max + 1)
    sort : initial sort of the cluster view, default ``('n_spikes', 'desc')``
    context : ``phyclone.utils.context.Context`` keeping ``new_cluster_id`` across sessions
    journal_path : crash journal file (None: no journal)
    replay_journal : replay pending journal actions (True/False); None asks the user when
        the GUI is attached
    session : an existing ``Session`` to show (a controller's): the arguments above that
        describe the data are then ignored; a journal it has not started yet (pending
        actions) is started when the GUI is attached, after asking the user
    """

    def __init__(self, spike_clusters=None, cluster_groups=None, cluster_metrics=None,
                 cluster_labels=None, similarity=None, new_cluster_id=None, sort=None,
                 context=None, journal_path=None, replay_journal=None, session=None):
        self.context = context
        self._columns = None  # columns of the tables; None: every metric and label
        self._sort = tuple(sort) if sort and sort[0] else ("n_spikes", "desc")
        if new_cluster_id is None and context is not None:
            new_cluster_id = context.load("new_cluster_id").get("new_cluster_id")
        if session is not None:
            self.session = session
            session.sort = self._sort
            self.cluster_labels = session.cluster_labels
        else:
            self.cluster_labels = dict(cluster_labels or {})
            self.session = Session(
                np.asarray(spike_clusters if spike_clusters is not None else [],
                           dtype=np.int64),
                cluster_groups=cluster_groups, cluster_labels=self.cluster_labels,
                cluster_metrics=cluster_metrics, similarity=similarity,
                new_cluster_id=new_cluster_id, journal_path=journal_path, sort=self._sort)
        self._create_color_selector()

        self.gui = None
        self.cluster_view = self.similarity_view = None
        self.action_creator = None
        # Action groups (phy: `actions` holds the clustering actions plugins add theirs to).
        self.actions = self.edit_actions = self.wizard_actions = None
        self.select_actions = self.color_actions = self.view_actions = None
        self._debouncer = None
        self._color_timer = None
        self._closed = False
        self._version = 0  # incremented by every change of the set of clusters
        self._similar_key = None
        self._last_emitted = None

        self.session.events.connect(self._on_session_cluster, event="cluster")
        self.session.events.connect(self._on_session_select, event="select")
        if session is not None:
            self._journal_pending = not session.journal_started and \
                bool(session.pending_actions())
            return
        self._journal_pending = bool(journal_path) and bool(self.session.pending_actions())
        if journal_path and (replay_journal is not None or not self._journal_pending):
            self.start_journal(replay=bool(replay_journal))

    # Session pass-through (phy's attributes) -------------------------------------------------
    @property
    def similarity(self):
        """Function ``cluster_id -> [(other_id, similarity), ...]`` (best first) or an (n, 2)
        array; setting it updates the similarity view (e.g. another similarity measure)."""
        return self.session.similarity

    @similarity.setter
    def similarity(self, func):
        self.session.similarity = func
        if self.similarity_view is not None:
            self.similarity_view.similar = func
            self._similar_key = None
            if self.session.best:
                self._on_session_select(self.session, self.session.selected)

    @property
    def clustering(self):
        return self.session.clustering

    @property
    def cluster_meta(self):
        return self.session.cluster_meta

    @property
    def cluster_metrics(self):
        """``{name: function cluster_id -> value}``, ``n_spikes`` included."""
        return self.session.cluster_metrics

    @property
    def columns(self):
        """Columns of the cluster view: id, metrics, group, labels; or the ones set with
        ``supervisor.columns = [...]`` before the GUI is created (as phy; ``id`` first)."""
        if self._columns is not None:
            return list(self._columns)
        return self.session.columns

    @columns.setter
    def columns(self, columns):
        if self.cluster_view is not None:
            logger.warning("supervisor.columns is set after the GUI was created: the tables "
                           "keep their columns; set it on controller_ready.")
        self._columns = None if columns is None else \
            ["id"] + [c for c in dict.fromkeys(columns) if c != "id"]

    @property
    def fields(self):
        """Label names (group excluded)."""
        return self.session.fields

    @property
    def color_fields(self):
        """Fields offered in the Color menu."""
        return ["cluster_id"] + list(self.cluster_metrics) + ["group"] + list(self.fields)

    def get_labels(self, field):
        """``{cluster_id: value}`` of a label (or ``group``) for every cluster."""
        return self.session.get_labels(field)

    def n_spikes(self, cluster_id):
        """Number of spikes of a cluster."""
        return self.session.n_spikes(cluster_id)

    def get_cluster_info(self, cluster_id, exclude=()):
        """The table row of a cluster: id, metrics, group, labels, is_masked."""
        return {k: v for k, v in self.session.cluster_info(cluster_id).items()
                if k not in exclude}

    @property
    def cluster_info(self):
        """The cluster view table as a list of per-cluster dicts."""
        return [self.session.cluster_info(c) for c in self.session.cluster_ids]

    @property
    def all_cluster_ids(self):
        """Every cluster id, in the cluster view's order (filtered-out ones included)."""
        if self.cluster_view is None:
            return self.session.wizard.cluster_order()
        return self.cluster_view.get_ids()

    @property
    def shown_cluster_ids(self):
        """Cluster ids shown in the cluster view (filter applied), in display order."""
        if self.cluster_view is None:
            return self.session.wizard.cluster_order()
        return self.cluster_view.shown_ids()

    @property
    def selected_clusters(self):
        """Selected clusters of the cluster view."""
        return self.session.selected_clusters

    @property
    def selected_similar(self):
        """Selected clusters of the similarity view."""
        return self.session.selected_similar

    @property
    def selected(self):
        """Selected clusters, cluster view first."""
        return self.session.selected

    @property
    def state(self):
        """The cluster view and similarity view states (sort and selection)."""
        out = Bunch()
        for name, view in (("cluster_view", self.cluster_view),
                           ("similarity_view", self.similarity_view)):
            out[name] = Bunch(view.state if view is not None else {})
        return out

    # Journal ----------------------------------------------------------------------------------
    def start_journal(self, replay=False):
        """Start the crash journal, first replaying pending actions if ``replay``; returns the
        number of replayed actions."""
        self._journal_pending = False
        return self.session.start_journal(replay=replay)

    def _ask_replay(self):
        n = len(self.session.pending_actions())
        answer = ask(f"{n} curation action(s) were not saved before phy stopped. "
                     "Replay them?", buttons=("yes", "no"), title="Unsaved work found")
        return answer == "yes"

    # GUI ----------------------------------------------------------------------------------------
    def attach(self, gui):
        """Create and dock the cluster and similarity views, create the actions, wire the
        GUI (save, unsaved changes on close, state), then emit ``attach_gui``."""
        self.gui = gui
        if self._journal_pending:
            self.start_journal(replay=self._ask_replay())
        self._debouncer = Debouncer()
        self._color_timer = QTimer()
        self._color_timer.setSingleShot(True)
        self._color_timer.timeout.connect(self._update_color_range)

        data = self.cluster_info
        self.cluster_view = ClusterView(gui, data=data, columns=self.columns, sort=self._sort)
        self.similarity_view = SimilarityView(
            gui, data=data, columns=self.columns, similar=self.similarity)
        connect(self._on_cluster_view_select, event="select", sender=self.cluster_view)
        connect(self._on_similarity_view_select, event="select", sender=self.similarity_view)
        connect(self._on_table_sort, event="table_sort", sender=self.cluster_view)
        connect(self._get_similar_clusters, event="request_similar_clusters",
                sender=self.similarity_view)
        # The wizard follows the order the user sees.
        self.session.cluster_order = self.cluster_view.shown_ids
        self.session.similar_order = self.similarity_view.shown_ids

        gui.add_view(self.cluster_view, position="left", closable=False)
        gui.add_view(self.similarity_view, position="left", closable=False)
        gui.splitDockWidget(self.cluster_view.dock, self.similarity_view.dock, Qt.Vertical)
        self.session.sort = self.cluster_view.get_current_sort()

        self.action_creator = ActionCreator(self)
        self.action_creator.attach(gui)
        ac = self.action_creator
        self.actions = ac.clustering_actions
        self.edit_actions, self.wizard_actions = ac.edit_actions, ac.wizard_actions
        self.select_actions, self.color_actions = ac.select_actions, ac.color_actions
        self.view_actions = ac.view_actions

        gui.unsaved_changes = self.is_dirty
        connect(self._on_request_save, event="request_save", sender=gui)
        connect(self._on_gui_show, event="show", sender=gui)
        connect(self._on_gui_close, event="close", sender=gui, last=True)
        if self.session.selected:  # e.g. restored by the journal replay
            self._on_session_select(self.session, self.session.selected)
        emit("attach_gui", self)

    def _on_gui_show(self, gui):
        restored = self.cluster_view.restored_selection
        self.cluster_view.restored_selection = []
        if restored and not self.session.selected:
            self.select(restored)

    def _on_gui_close(self, gui):
        # Close the journal file once the GUI is really closed (a `close` callback may veto).
        QTimer.singleShot(0, lambda: gui._closed and self.close())

    def _on_request_save(self, gui):
        return self.save()

    def block(self, timeout=5.):
        """Process Qt events until the debounced ``select``, the colour update and the tables'
        filter typing are done (at most ``timeout`` s), then emit any pending ``select`` (for
        tests and scripts)."""
        app = QApplication.instance()
        end = time.monotonic() + timeout

        def busy():
            timers = [self._color_timer] + [v._filter_timer for v in
                                            (self.cluster_view, self.similarity_view) if v]
            return ((self._debouncer is not None and self._debouncer.is_waiting) or
                    any(t is not None and t.isActive() for t in timers))
        while True:
            if app is not None:
                app.processEvents()
            if not busy() or time.monotonic() > end:
                break
            time.sleep(.001)
        if self._debouncer is not None:
            self._debouncer.stop_waiting()

    # Session → tables and global events -------------------------------------------------------
    def _meta_row(self, cluster_id):
        row = {"id": cluster_id}
        for field in self.cluster_meta.fields:
            row[field] = self.cluster_meta.get(field, cluster_id)
        row["is_masked"] = row.get("group") in MASKED_GROUPS
        return row

    def _update_tables(self, up):
        existing = self.clustering.spikes_per_cluster  # O(1) membership
        added = [int(c) for c in up.added if int(c) in existing]
        removed = [int(c) for c in up.deleted if int(c) not in existing]
        desc = up.description or ""
        field = desc[len("metadata_"):] if desc.startswith("metadata_") else None
        for view in (self.cluster_view, self.similarity_view):
            if field and field not in view.columns:
                view.add_column(field)
        added_set = set(added)
        changed = [self._meta_row(int(c)) for c in up.metadata_changed
                   if int(c) in existing and int(c) not in added_set]
        rows = [self.session.cluster_info(c) for c in added]
        for view in (self.cluster_view, self.similarity_view):
            view.update_rows(added=rows, removed=removed, changed=changed)

    def _on_session_cluster(self, session, up):
        if up.added or up.deleted:
            self._version += 1
        if self.cluster_view is not None:
            self._update_tables(up)
        if self.context is not None and (up.added or up.deleted):
            self.context.save("new_cluster_id",
                              {"new_cluster_id": int(self.clustering.new_cluster_id())})
        self._last_emitted = None
        if self._color_timer is not None:
            self._color_timer.start(0)
        else:
            self._update_color_range()
        emit("cluster", self, up)

    def _on_session_select(self, session, selected):
        if self.cluster_view is None:
            self._emit_select()
            return
        best, similar = session.best, session.similar
        key = (tuple(best), self._version)
        if key != self._similar_key:
            self.similarity_view.reset(best)
            self._similar_key = key
        self.cluster_view.set_selected(best)
        self.similarity_view.set_selected(similar, offset=len(best))
        if best:
            self.cluster_view.scroll_to(best[-1], center=False)
        if similar:
            self.similarity_view.scroll_to(similar[-1], center=False)
        self.cluster_view.dock.set_status("clusters: " + ", ".join(map(str, best)))
        self.similarity_view.dock.set_status("similar: " + ", ".join(map(str, similar)))
        self._debouncer.submit(self._emit_select, key="select")

    def _emit_select(self):
        if self._closed or getattr(self.gui, "_closed", False):
            return  # a closed GUI's selection must not reach the views of another one
        selected = self.session.selected
        if selected == self._last_emitted:
            return
        self._last_emitted = selected
        emit("select", self, selected)

    def _flush(self):
        """Emit the pending ``select`` now (after an action, views must not wait)."""
        if self._debouncer is not None:
            self._debouncer.stop_waiting()

    # Tables → session -----------------------------------------------------------------------
    def _on_cluster_view_select(self, sender, obj):
        self.session.select(obj["selected"])

    def _on_similarity_view_select(self, sender, obj):
        self.session.select_similar(obj["selected"])

    def _get_similar_clusters(self, sender, cluster_id):
        """Answer phy's ``request_similar_clusters``: ``[{id, similarity}]`` best first."""
        sim = self.similarity(cluster_id) if self.similarity is not None else None
        if sim is None:
            return []
        pairs = np.asarray(sim, dtype=np.float64).reshape(-1, 2)
        return [{"id": int(c), "similarity": float(s)} for c, s in pairs]

    def _on_table_sort(self, sender, ids):
        self.session.sort = sender.get_current_sort()

    # Selection --------------------------------------------------------------------------------
    def select(self, *cluster_ids, callback=None):
        """Select clusters in the cluster view: ``select(1, 2)`` or ``select([1, 2])``.
        ``callback`` (phy's) is called with the selection."""
        return _answer(self.session.select(*cluster_ids), callback)

    def sort(self, column, sort_dir="desc"):
        """Sort the cluster view by a column, in a given order (asc or desc)."""
        if self.cluster_view is None:
            self.session.sort = (column, sort_dir)
            return
        self.cluster_view.sort_by(column, sort_dir=sort_dir)

    def filter(self, text=""):
        """Filter the clusters with an expression on the columns, e.g. `n_spikes > 100`."""
        if self.cluster_view is not None:
            return self.cluster_view.filter(text)
        return None

    def clear_filter(self):
        """Show every cluster again."""
        return self.filter("")

    # Wizard -----------------------------------------------------------------------------------
    def reset_wizard(self, callback=None):
        """Select the first cluster of the cluster view (back to the start of the wizard).
        ``callback`` (phy's) is called with the selection (default: emit ``wizard_done``)."""
        return self._wizard_done(self.session.wizard.reset(), callback)

    def first(self, callback=None):
        """Select the first cluster of the cluster view.
        ``callback`` (phy's) is called with the selection (default: emit ``wizard_done``)."""
        return self._wizard_done(self.session.wizard.first(), callback)

    def last(self, callback=None):
        """Select the last cluster of the cluster view.
        ``callback`` (phy's) is called with the selection (default: emit ``wizard_done``)."""
        return self._wizard_done(self.session.wizard.last(), callback)

    def next_best(self, callback=None):
        """Select the next best cluster in the cluster view.
        ``callback`` (phy's) is called with the selection (default: emit ``wizard_done``)."""
        return self._wizard_done(self.session.wizard.next_best(), callback)

    def previous_best(self, callback=None):
        """Select the previous best cluster in the cluster view.
        ``callback`` (phy's) is called with the selection (default: emit ``wizard_done``)."""
        return self._wizard_done(self.session.wizard.previous_best(), callback)

    def next(self, callback=None):
        """Select the next cluster of the similarity view.
        ``callback`` (phy's) is called with the selection (default: emit ``wizard_done``)."""
        return self._wizard_done(self.session.wizard.next(), callback)

    def previous(self, callback=None):
        """Select the previous cluster of the similarity view.
        ``callback`` (phy's) is called with the selection (default: emit ``wizard_done``)."""
        return self._wizard_done(self.session.wizard.previous(), callback)

    def unselect_similar(self, callback=None):
        """Keep only the clusters selected in the cluster view.
        ``callback`` (phy's) is called with the selection (default: emit ``wizard_done``)."""
        return self._wizard_done(self.session.wizard.unselect_similar(), callback)

    def _wizard_done(self, selected, callback):
        if callback is None:
            emit("wizard_done", self, selected)
            return selected
        return _answer(selected, callback)

    # Clustering actions ---------------------------------------------------------------------
    def _status(self, message):
        if self.gui is not None:
            self.gui.status_message = message
        logger.info(message)

    def merge(self, cluster_ids=None, to=None):
        """Merge the selected clusters (or ``cluster_ids``) into a new cluster."""
        return self._report(self.session.merge(cluster_ids=cluster_ids, to=to),
                            lambda up: f"Merged {', '.join(map(str, up.deleted))} into "
                                       f"{up.added[0]}.")

    def split(self, spike_ids=None, spike_clusters_rel=0):
        """Make new clusters out of spikes (by default: the lasso selection of the views,
        asked with the ``request_split`` event)."""
        if spike_ids is None:
            answers = [a for a in emit("request_split", self) if a is not None]
            spike_ids = (np.unique(np.concatenate([np.asarray(a, dtype=np.int64).ravel()
                                                   for a in answers]))
                         if answers else np.zeros(0, dtype=np.int64))
        if len(spike_ids) == 0:
            self._status("Nothing to split: first select spikes with a lasso "
                         "(ctrl+click around them in a feature or amplitude view).")
            return None
        return self._report(
            self.session.split(spike_ids, spike_clusters_rel=spike_clusters_rel),
            lambda up: f"Split {len(spike_ids)} spikes into {', '.join(map(str, up.added))}.")

    def assign_matched(self, cluster_id, spike_ids):
        """Add spikes (template matching: the events below the match threshold) to a
        cluster; one undoable, journaled action."""
        return self._report(
            self.session.assign_matched(cluster_id, spike_ids),
            lambda up: f"Assigned {len(spike_ids)} matched spikes to cluster {cluster_id} "
                    f"(now {self.session.selected[0]}).",
            f"Nothing to assign to cluster {cluster_id}.")

    def add_spikes(self, cluster_id, spike_samples, values=None):
        """Add new spikes (template matching: missed spikes recovered) to a cluster, with
        their per-spike ``values``; one undoable, journaled action."""
        return self._report(
            self.session.add_spikes(cluster_id, spike_samples, values),
            lambda up: f"Added {len(spike_samples)} spikes to cluster {cluster_id} "
                    f"(now {self.session.selected[0]}); saving writes them.",
            f"No spike to add to cluster {cluster_id}.")

    def _report(self, up, done=None, nothing=None):
        """Update the views after an action, then say ``done(up)`` (or ``nothing`` when
        the action changed nothing); return the action's update."""
        self._flush()
        message = (done(up) if done else None) if up is not None else nothing
        if message:
            self._status(message)
        return up

    def label(self, name, value, cluster_ids=None):
        """Set a label of the selected clusters (or ``cluster_ids``), e.g. `quality 3`."""
        return self._report(self.session.label(name, value, cluster_ids=cluster_ids))

    def move(self, group, which="all"):
        """Move the best / similar / all selected clusters (or a list of ids) to a group
        (noise, mua, good, unsorted), then advance the wizard."""
        return self._report(self.session.move(group, which), lambda up: (
            f"Moved {', '.join(map(str, up.metadata_changed))} to {group}."))

    def undo(self):
        """Undo the last action."""
        return self._report(self.session.undo(), lambda up: "Undo.")

    def redo(self):
        """Redo the last undone action."""
        return self._report(self.session.redo(), lambda up: "Redo.")

    def toggle_spike_reorder(self, checked):
        """Show the spikes of the selected clusters in their reordered times (controller)."""
        emit("toggle_spike_reorder", self, bool(checked))

    # Saving -----------------------------------------------------------------------------------
    def is_dirty(self):
        """Whether there are unsaved changes."""
        return self.session.is_dirty

    def save(self):
        """Emit ``save_clustering(spike_clusters, groups, *labels)`` (phy's arguments: labels
        are ``(field, {cluster_id: value})`` pairs of every field, group included); once the
        callbacks have written the files without error, mark the session saved. Returns
        whether the data was saved."""
        spike_clusters, groups, _ = self.session.save_data()
        labels = [(f, self.get_labels(f)) for f in self.cluster_meta.fields]
        try:
            results = emit("save_clustering", self, spike_clusters, groups, *labels)
        except DataError as e:  # refused (read-only, files changed on disk...): said why
            message = f"Not saved: {e}. Nothing is lost, the journal keeps the changes."
            if self.gui is not None:
                self.gui.status_message = message
            logger.warning(message)
            return False
        except Exception as e:
            logger.exception("Saving failed.")
            self._status(f"Save failed ({e}); nothing is lost, the journal keeps the changes.")
            return False
        if not results:
            self._status("Nothing saved: no save_clustering handler is connected.")
            return False
        if False in results:
            self._status("Save failed; nothing is lost, the journal keeps the changes.")
            return False
        self.session.mark_saved()
        self._status("Saved.")
        return True

    def close(self):
        """Disconnect from the event bus, drop pending selections and colour updates, close
        the journal (the GUI calls it on close)."""
        self._closed = True
        if self._debouncer is not None:
            self._debouncer.cancel()
        if self._color_timer is not None:
            self._color_timer.stop()
        unconnect(self)
        self.session.close()
