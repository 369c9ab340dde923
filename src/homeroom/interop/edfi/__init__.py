"""Ed-Fi (being built).

import_edfi(source, *, descriptor_map=None, progress=None) -> ImportResult
"""
