"""The Kwik menu of the Kwik GUI: switch channel group and clustering, add / copy / rename /
delete clusterings.

A switch opens a new controller and GUI on the other channel group or clustering (same
window geometry and layout, restored from the GUI state) and closes this one: nothing of the
previous data can stay in a view, a table or a cache. Unsaved changes are offered to be saved
first; if not saved they stay in the crash journal of their clustering and are offered again
when it is reopened. The controller that replaced this one is ``successor`` (``latest``
follows the chain).
"""

import logging
from functools import partial

from phyclone.utils.errors import DataError

logger = logging.getLogger(__name__)


class KwikMenuMixin:
    """Kwik menu actions of the KwikController."""

    successor = None

    @property
    def latest(self):
        """The controller now showing this dataset (this one, or the one it switched to)."""
        c = self
        while c.successor is not None:
            c = c.successor
        return c

    # Menu ---------------------------------------------------------------------------------
    def _create_misc_actions(self, gui):
        super()._create_misc_actions(gui)
        from phyclone.gui import Actions
        self.kwik_actions = actions = Actions(gui, name="Kwik", menu="&Kwik",
                                                insert_menu_before="&Help")
        actions.add(self.switch_channel_group, prompt=True,
                    prompt_default=lambda: self.model.channel_group)
        actions.add(self.switch_clustering, prompt=True,
                    prompt_default=lambda: self.model.clustering or "main")
        actions.separator()
        actions.add(self.add_clustering, prompt=True)
        actions.add(self.copy_clustering, prompt=True)
        actions.add(self.rename_clustering, prompt=True)
        actions.add(self.delete_clustering, prompt=True)
        actions.separator()
        for group in self.model.channel_groups:
            actions.add(partial(self.switch_channel_group, group), name=f"channel_group_{group}",
                        submenu="Channel &group", show_shortcut=False,
                        docstring=f"Switch to channel group {group}.")
        if self.model.channel_group is not None:
            actions.disable(f"channel_group_{self.model.channel_group}")
        self._clustering_entries = []
        self._update_clustering_entries()

    def _update_clustering_entries(self):
        """One entry per clustering of the channel group in the Clustering submenu."""
        actions = self.kwik_actions
        for name in self._clustering_entries:
            actions.remove(name)
        self._clustering_entries = []
        for clustering in self.model.clusterings:
            name = f"clustering_{clustering}"
            actions.add(partial(self.switch_clustering, clustering), name=name,
                        submenu="&Clustering", show_shortcut=False,
                        docstring=f"Switch to clustering {clustering}.")
            if clustering == self.model.clustering:
                actions.disable(name)
            self._clustering_entries.append(name)

    def _ask(self, text, buttons, title):
        """The button clicked; None without a Qt application (a script: nothing is asked)."""
        from phyclone.qt import QApplication
        if QApplication.instance() is None:
            logger.warning("%s (not asked: no Qt application)", text)
            return None
        from phyclone.gui import ask
        return ask(text, buttons=buttons, title=title)

    def _message(self, text, error=False):
        (logger.warning if error else logger.info)("%s", text)
        gui = getattr(self, "gui", None)
        if gui is not None:
            gui.status_message = text

    # Switching ----------------------------------------------------------------------------
    def switch_channel_group(self, channel_group):
        """Show another channel group (shank); asks to save unsaved changes first.
        Example: `1`"""
        try:
            channel_group = int(channel_group)
        except (TypeError, ValueError):
            channel_group = None
        if channel_group not in self.model.channel_groups:
            self._message(f"There is no channel group {channel_group} (channel groups: "
                          f"{self.model.channel_groups}).", error=True)
            return None
        if channel_group == self.model.channel_group:
            return None
        return self._switch(channel_group, None, f"switching to channel group {channel_group}")

    def switch_clustering(self, clustering):
        """Show another clustering of this channel group; asks to save unsaved changes first.
        Example: `original`"""
        clustering = str(clustering)
        if clustering not in self.model.clusterings:
            self._message(f"There is no clustering {clustering!r} in channel group "
                          f"{self.model.channel_group} (clusterings: {self.model.clusterings}).",
                          error=True)
            return None
        if clustering == self.model.clustering:
            return None
        return self._switch(self.model.channel_group, clustering,
                            f"switching to clustering {clustering!r}")

    def _switch(self, channel_group, clustering, what):
        if not self._ask_save(what):
            return None
        return self._reopen(channel_group, clustering)

    def _ask_save(self, what, can_discard=True):
        """When there are unsaved changes, ask whether to save them first: True to go on."""
        if not self.supervisor.is_dirty():
            return True
        m = self.model
        text = (f"Save the changes to clustering {m.clustering or 'main'!r} of channel group "
                f"{m.channel_group} before {what}?")
        if can_discard:
            text += (" Changes not saved stay in the crash journal and are offered again when "
                     "this clustering is reopened.")
        buttons = ("save", "discard", "cancel") if can_discard else ("save", "cancel")
        answer = self._ask(text, buttons, "Unsaved changes")
        if answer == "save":
            return self.supervisor.save()
        return answer == "discard"

    def _reopen(self, channel_group, clustering):
        """Open a controller and a GUI on another channel group / clustering, then close this
        one; returns the new controller (None when it cannot be opened)."""
        from phyclone.qt import QApplication
        try:
            new = type(self)(self.kwik_path, channel_group=channel_group, clustering=clustering,
                             **self._reopen_kwargs)
        except (DataError, OSError, ValueError) as e:
            self._message(f"Cannot open channel group {channel_group}, clustering "
                          f"{clustering}: {e}", error=True)
            return None
        new.gl_info = getattr(self, "gl_info", None)
        gui = getattr(self, "gui", None)
        app = QApplication.instance()
        quit_on_close = app.quitOnLastWindowClosed() if app is not None else None
        if app is not None:  # the app must not quit between the two windows
            app.setQuitOnLastWindowClosed(False)
        try:
            if gui is not None:
                gui.unsaved_changes = None  # the user was asked already
                gui.close()  # saves the GUI state the new window starts from
                if not gui._closed:  # a plugin vetoed closing
                    gui.unsaved_changes = self.supervisor.is_dirty
                    new.close()
                    return None
            self.close()
            self.successor = new
            if gui is not None:
                gui.deleteLater()
                try:
                    new_gui = new.create_gui()
                except Exception:  # no window left: quit rather than run without one
                    if app is not None:
                        app.quit()
                    raise
                new_gui.show()
                new_gui.activateWindow()
        finally:
            if app is not None:
                app.setQuitOnLastWindowClosed(quit_on_close)
        logger.info("Switched to channel group %s, clustering %r.", new.model.channel_group,
                    new.model.clustering)
        return new

    # Clusterings --------------------------------------------------------------------------
    def _edit_clusterings(self, f, *args):
        """Run a clustering-management method of the model; False (with a message) on error
        or when this window is read-only."""
        try:
            if self.read_only:
                raise DataError(self.kwik_path, self.read_only_message())
            f(*args)
        except (DataError, OSError, ValueError) as e:
            self._message(f"{f.__name__.replace('_', ' ').capitalize()} failed: {e}", error=True)
            return False
        self.file_stamps.record()  # the .kwik as this window just wrote it
        if getattr(self, "gui", None) is not None:
            self._update_clustering_entries()
        return True

    def add_clustering(self, name):
        """Save the clusters as they are now (unsaved changes included) as a new clustering
        of this channel group, and switch to it; the current clustering keeps what was last
        saved. Example: `curated`"""
        sup = self.supervisor
        spike_clusters, groups, _ = sup.session.save_data()
        labels = [(f, sup.get_labels(f)) for f in sup.cluster_meta.fields]
        dirty = sup.is_dirty()
        if not self._edit_clusterings(self.model.add_clustering, str(name), spike_clusters,
                                      groups, labels):
            return None
        self._message(f"Added clustering {str(name)!r}.")
        journal = self.journal_path
        new = self._reopen(self.model.channel_group, str(name))
        if new is not None and dirty and journal.exists():
            # Those changes are in the new clustering now: not offered again for this one.
            journal.replace(journal.with_name(journal.name + ".declined"))
        return new

    def copy_clustering(self, name, new_name):
        """Copy a clustering of this channel group (as last saved) under a new name.
        Example: `main main_copy`"""
        if self._edit_clusterings(self.model.copy_clustering, str(name), str(new_name)):
            self._message(f"Copied clustering {str(name)!r} to {str(new_name)!r}.")
            return True
        return False

    def rename_clustering(self, name, new_name):
        """Rename a clustering of this channel group (the current one after saving).
        Example: `main curated`"""
        name, new_name = str(name), str(new_name)
        current = name == self.model.clustering
        if current and not self._ask_save(f"renaming it to {new_name!r}", can_discard=False):
            return False
        if not self._edit_clusterings(self.model.rename_clustering, name, new_name):
            return False
        self._message(f"Renamed clustering {name!r} to {new_name!r}.")
        if current:  # its cache and journal follow its name: reopen
            return self._reopen(self.model.channel_group, new_name)
        return True

    def delete_clustering(self, name):
        """Delete a clustering of this channel group (not the current one), after
        confirmation. Example: `original`"""
        name = str(name)
        if name == self.model.clustering:
            self._message("The current clustering cannot be deleted: switch to another one "
                          "first.", error=True)
            return False
        if name not in self.model.clusterings:
            self._message(f"There is no clustering {name!r} in channel group "
                          f"{self.model.channel_group}.", error=True)
            return False
        if self._ask(f"Delete clustering {name!r} of channel group {self.model.channel_group} "
                     f"from {self.kwik_path.name}?", ("yes", "no"), "Delete") != "yes":
            return False
        if self._edit_clusterings(self.model.delete_clustering, name):
            self._message(f"Deleted clustering {name!r}.")
            return True
        return False
