"""Cell: a cell's recordings, its rheobase, and the plots of its sweeps."""

import logging

import numpy as np

from .ecodes import ecode_for
from .readers import reader_for

logger = logging.getLogger(__name__)


class Cell:
    """The recordings of one cell (``name``) and its rheobase (nA, None until computed)."""

    def __init__(self, name):
        self.name = name
        self.recordings = []
        self.rheobase = None

    def reader(self, config_data, recording_reader=None):
        """Data of the recording described by ``config_data``: ``recording_reader`` when
        given, else the reader matching the file's extension."""
        filepath = config_data.get("filepath") if "filepath" in config_data else None
        if filepath is None and "v_file" in config_data:
            filepath = config_data["v_file"]
        if filepath is None:
            raise Exception("No 'filepath' or 'v_file' provided in the metadata for the "
                            "recording.")
        if recording_reader:
            return recording_reader(config_data)
        reader = reader_for(filepath)
        if reader is None:
            raise Exception("The format of the ephys files is unknown and no custom reader"
                            "were provided.")
        return reader(config_data)

    def get_protocol_names(self):
        return list({rec.protocol_name for rec in self.recordings})

    def get_recordings_by_protocol_name(self, protocol_name):
        return [rec for rec in self.recordings if rec.protocol_name == protocol_name]

    def get_recordings_id_by_protocol_name(self, protocol_name):
        return [i for i, rec in enumerate(self.recordings) if rec.protocol_name == protocol_name]

    def read_recordings(self, protocol_data, protocol_name, recording_reader=None,
                        efel_settings=None, on_recording=None):
        """Read every recording of ``protocol_data`` (a list of metadata dicts);
        ``on_recording(rec)`` is called on each new recording."""
        cls = None
        for config_data in protocol_data:
            if "protocol_name" not in config_data:
                config_data["protocol_name"] = protocol_name
            for reader_data in self.reader(config_data, recording_reader):
                if cls is None:
                    cls = ecode_for(protocol_name)
                rec = cls(config_data, reader_data, protocol_name, efel_settings)
                self.recordings.append(rec)
                if on_recording is not None:
                    on_recording(rec)

    def extract_efeatures(self, protocol_name, efeatures, efeature_names=None,
                          efel_settings=None):
        """Compute ``efeatures`` on the recordings of ``protocol_name``."""
        for i in self.get_recordings_id_by_protocol_name(protocol_name):
            self.recordings[i].compute_efeatures(efeatures, efeature_names, efel_settings)

    def compute_relative_amp(self):
        """Amplitudes of every recording in % of the rheobase (which must be non-zero)."""
        if self.rheobase is not None and self.rheobase is not False \
                and self.rheobase != 0.0 and self.rheobase is not np.nan:
            for rec in self.recordings:
                rec.compute_relative_amp(self.rheobase)
        else:
            logger.warning("Cannot compute the relative current amplitude for the "
                           f"recordings of cell {self.name} because its rheobase is "
                           f"{self.rheobase}.")
            self.rheobase = None

    def plot_recordings(self, protocol_name, output_dir=None, show=False):
        """PDF of the recordings of a protocol, by amplitude, 12 per page."""
        from .plotting import plot_cell_recordings
        plot_cell_recordings(self, protocol_name, output_dir, show=show)

    def plot_all_recordings(self, output_dir=None, show=False):
        for protocol_name in self.get_protocol_names():
            self.plot_recordings(protocol_name, output_dir, show=show)
