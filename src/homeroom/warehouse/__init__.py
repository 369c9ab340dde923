"""A workspace's analytical store: validated tables, load history, quarantine."""

from homeroom.warehouse.loader import (
    CurrentLoad,
    LoadResult,
    connect,
    current_load,
    load_dataset,
    load_history,
)
from homeroom.warehouse.workspace import (
    CONFIG_NAME,
    Workspace,
    WorkspaceError,
    init_workspace,
    open_workspace,
)

__all__ = [
    "CONFIG_NAME",
    "CurrentLoad",
    "LoadResult",
    "Workspace",
    "WorkspaceError",
    "connect",
    "current_load",
    "init_workspace",
    "load_dataset",
    "load_history",
    "open_workspace",
]
