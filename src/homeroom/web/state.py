"""What the running app holds: the workspace, the casebook store, the prepared data, secrets."""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homeroom.casebook.store import Store
from homeroom.warehouse import Workspace
from homeroom.web.chartcache import ChartCache
from homeroom.web.downloads import DownloadQueue
from homeroom.web.oidc import OIDCClient
from homeroom.web.opaque import StudentKeys
from homeroom.web.snapshot import ServingData, open_serving, prepare_serving

SECRET_FILE = "web-secret.key"
RETIRE_SECONDS = 120


def app_secret(workspace: Workspace) -> bytes:
    """A random secret kept in the workspace (mode 600), made on first use.

    It keys the opaque student ids in URLs, so they stay stable across restarts.
    """
    path = workspace.root / SECRET_FILE
    try:
        # Created readable by its owner only from the first byte, and never overwritten.
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(handle, "wb") as out:
        out.write(secrets.token_bytes(32))
    return path.read_bytes()


@dataclass
class AppState:
    workspace: Workspace
    store: Store
    secret: bytes
    secure_cookies: bool
    oidc: OIDCClient | None = None  # when homeroom.toml has [oidc]
    serving_path: Path | None = None
    _serving: ServingData | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    keys: StudentKeys | None = None
    charts: ChartCache = field(default_factory=ChartCache)
    downloads: DownloadQueue = field(default_factory=DownloadQueue)  # started with the app

    @property
    def serving(self) -> ServingData:
        """The prepared data of the current load (prepared now if need be)."""
        serving = self._serving
        if serving is None:
            with self._lock:
                if self._serving is None:
                    self._serving = self._open_serving()
                serving = self._serving
        return serving

    def _open_serving(self) -> ServingData:
        path = self.serving_path or prepare_serving(self.workspace)
        serving = open_serving(path)
        keys = StudentKeys(self.secret)
        keys.learn(serving.student_ids())
        self.keys = keys
        return serving

    def stale_schools(self) -> list[dict[str, Any]]:
        """Schools whose attendance stops early in the data being served; none before any data
        is open (the sign-in page never opens it)."""
        serving = self._serving
        return list(serving.stale_schools) if serving is not None else []

    def several_districts(self) -> bool:
        """The data being served hold more than one district (the menu's State link); False
        before any data is open, so the sign-in page never opens it."""
        serving = self._serving
        return serving is not None and len(serving.district_names) > 1

    def serving_schools(self) -> list[tuple[str, str]]:
        """(school id, name) of every school in the current load, by name."""
        return list(self.serving.school_names.items())

    def refresh(self, path: Path) -> None:
        """Serve a newly prepared load: new requests read it, running ones finish on the old."""
        with self._lock:
            old, self._serving = self._serving, None
            self.serving_path = path
            self.charts.clear()
        if old is not None:
            # Requests that started on the old data finish first; then its memory is freed.
            timer = threading.Timer(RETIRE_SECONDS, old.close)
            timer.daemon = True
            timer.start()
