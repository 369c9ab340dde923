"""A workspace's analytical store: validated tables, load history, quarantine."""

from homeroom.warehouse.history import CurrentLoad, current_load, load_history
from homeroom.warehouse.loader import LoadResult, ShrinkRefused, connect, load_dataset
from homeroom.warehouse.workspace import (
    CONFIG_NAME,
    Workspace,
    WorkspaceError,
    init_workspace,
    make_private,
    open_workspace,
    private_files,
)

__all__ = [
    "CONFIG_NAME",
    "CurrentLoad",
    "LoadResult",
    "ShrinkRefused",
    "Workspace",
    "WorkspaceError",
    "connect",
    "current_load",
    "init_workspace",
    "load_dataset",
    "load_history",
    "make_private",
    "open_workspace",
    "private_files",
]
