"""Policy profiles: the one place where thresholds live."""

from homeroom.definitions.profile import (
    Definition,
    DefinitionError,
    available,
    load_definition,
)

__all__ = ["Definition", "DefinitionError", "available", "load_definition"]
