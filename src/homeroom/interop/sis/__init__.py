"""SIS export presets (being built): import_sis(preset, files, *, progress=None) -> ImportResult."""
