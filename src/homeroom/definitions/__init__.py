"""Policy profiles: the one place where thresholds live."""

from homeroom.definitions.profile import Definition, available, load_definition
from homeroom.definitions.values import DefinitionError

__all__ = ["Definition", "DefinitionError", "available", "load_definition"]
