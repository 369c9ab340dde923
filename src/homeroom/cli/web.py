"""`homeroom serve`: the web app over a workspace."""

from __future__ import annotations

import ipaddress
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from homeroom.cli.options import WorkspaceOption, status
from homeroom.cli.output import UsageProblem, err, out

if TYPE_CHECKING:
    from fastapi import FastAPI

    from homeroom.warehouse import Workspace

LOOPBACK_NAMES = {"localhost"}
REFRESH_SECONDS = 60
SETTLE_SECONDS = 10


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


EPILOG = (
    "Examples: `homeroom serve --workspace district-2025` (http://127.0.0.1:8000) · "
    "`homeroom serve -w district-2025 --host 0.0.0.0 --port 443 --tls-cert cert.pem "
    "--tls-key key.pem` · behind a proxy that does HTTPS: `homeroom serve -w "
    "district-2025 --host 10.0.0.5 --behind-proxy`"
)
HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
PortOption = Annotated[int, typer.Option(help="Port to listen on.")]
CertOption = Annotated[Path | None, typer.Option("--tls-cert", help="HTTPS certificate (PEM).")]
KeyOption = Annotated[Path | None, typer.Option("--tls-key", help="HTTPS private key (PEM).")]
ProxyOption = Annotated[
    bool, typer.Option(help="A reverse proxy in front does HTTPS and sets X-Forwarded-*.")
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command(epilog=EPILOG)(serve)


def serve(
    workspace: WorkspaceOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    tls_cert: CertOption = None,
    tls_key: KeyOption = None,
    behind_proxy: ProxyOption = False,
) -> None:
    """Serve the web app: dashboards, student lists, equity, data quality, for signed-in staff.

    The app reads a prepared copy of the current load (made now if missing), so `homeroom
    load` can run while it serves; it picks up a new load within a minute. Outside this
    machine (a host that is not 127.0.0.1) it needs HTTPS: --tls-cert and --tls-key, or
    --behind-proxy.
    """
    import uvicorn

    from homeroom.web.logfilter import access_log_config

    if (tls_cert is None) != (tls_key is None):
        raise UsageProblem("give both --tls-cert and --tls-key, or neither")
    secure = tls_cert is not None or behind_proxy
    if not secure and not _is_loopback(host):
        raise UsageProblem(
            f"serving on {host} without HTTPS would send passwords and student records in "
            "clear text; give --tls-cert and --tls-key, or --behind-proxy when a proxy in "
            "front does HTTPS (or serve on 127.0.0.1)"
        )
    space, web = _app(workspace, secure)
    scheme = "https" if tls_cert else "http"
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    out.print(f"Homeroom for {space.name} at {scheme}://{shown}:{port}/  (Ctrl-C stops it)")
    uvicorn.run(
        web,
        host=host,
        port=port,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        proxy_headers=behind_proxy,
        forwarded_allow_ips="*" if behind_proxy else None,
        log_level="info",
        log_config=access_log_config(),  # no student id from an API path in the log
        server_header=False,
    )


def _app(workspace: Path | None, secure: bool) -> tuple[Workspace, FastAPI]:
    """The web app over the workspace's prepared data, watching for new loads."""
    from homeroom.casebook.store import open_store, store_url
    from homeroom.casebook.users import list_users
    from homeroom.warehouse import open_workspace
    from homeroom.web.app import create_app
    from homeroom.web.snapshot import prepare_serving

    space = open_workspace(workspace)
    store = open_store(store_url(space))
    with status("Preparing the data for the web") as update:
        serving_path = prepare_serving(space, progress=update)
    web = create_app(space, store=store, secure_cookies=secure, serving_path=serving_path)
    _watch_for_loads(web, space)
    if not list_users(store):
        err.print(
            "[yellow]No users yet.[/] Add an administrator first: "
            f"homeroom users add NAME --role district_admin --workspace {space.root}"
        )
    return space, web


def _watch_for_loads(web: FastAPI, workspace: Workspace) -> None:
    """Prepare each new load in the background and switch to it once ready.

    The warehouse is opened (read-only, briefly) only after its file has changed and then
    stayed unchanged for a while, so the watcher never gets in the way of a load.
    """
    from homeroom.web.snapshot import prepare_serving

    state = web.state.homeroom
    warehouse = workspace.warehouse  # type: ignore[attr-defined]

    def stamp() -> tuple[float, ...]:
        files = (warehouse, warehouse.with_name(warehouse.name + ".wal"))
        return tuple(f.stat().st_mtime if f.exists() else 0.0 for f in files)

    def watch() -> None:
        stop = threading.Event()
        seen = stamp()
        while not stop.wait(REFRESH_SECONDS):
            now = stamp()
            if now == seen:
                continue
            if stop.wait(SETTLE_SECONDS) or stamp() != now:
                continue  # still being written: look again next time
            try:
                path = prepare_serving(workspace)
            except Exception:  # noqa: BLE001 - a load took the file meanwhile; try later
                continue
            seen = now
            if path != state.serving_path:
                state.refresh(path)

    threading.Thread(target=watch, name="homeroom-load-watch", daemon=True).start()
