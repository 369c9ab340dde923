"""Ed-Fi → Homeroom: ODS/API JSON resources and XML interchange files into canonical tables.

`import_edfi(source)` reads a file or a folder (any mix of JSON, JSON Lines and XML);
`resources_to_canonical(resources)` is the converter every Ed-Fi path shares (the live-API pull
and the ODS-table adapter hand it the same API-shaped records); `default_descriptor_map()` is the
shipped descriptor → category map a district copies and edits.
"""

from homeroom.interop.edfi.convert import resources_to_canonical
from homeroom.interop.edfi.descriptors import default_descriptor_map, load_descriptor_map
from homeroom.interop.edfi.source import import_edfi

__all__ = [
    "default_descriptor_map",
    "import_edfi",
    "load_descriptor_map",
    "resources_to_canonical",
]
