"""Template-gui folders (KiloSort, SpikeInterface, phy detect): files, loading, the TemplateModel, metadata tables, params.py, templates, waveforms."""
