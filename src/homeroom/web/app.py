"""The web app: `create_app(workspace)` returns the ASGI application `homeroom serve` runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from homeroom.casebook.store import Store, open_store, store_url
from homeroom.warehouse import Workspace
from homeroom.web import downloads, errors
from homeroom.web.oidc import OIDCClient, oidc_settings
from homeroom.web.security import SecurityHeaders
from homeroom.web.state import AppState, app_secret

STATIC = Path(__file__).parent / "static"


def create_app(
    workspace: Workspace,
    *,
    store: Store | None = None,
    secure_cookies: bool = True,
    serving_path: Path | None = None,
    oidc: OIDCClient | None = None,
) -> FastAPI:
    """The app over one workspace.

    `store`: the casebook store (default: the workspace's); `serving_path`: a prepared data file
    (default: prepared from the workspace's current load when first needed); `oidc`: an
    OIDCClient (default: from the workspace's [oidc] settings, if any).
    """
    if store is None:
        store = open_store(store_url(workspace))
    if oidc is None:
        oidc = _oidc_client(workspace)
    app = FastAPI(
        title="Homeroom",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # pages, not a public API
        lifespan=_lifespan,
        dependencies=[Depends(downloads.slot)],  # a download beyond the queue: 503, unaudited
    )
    app.state.homeroom = AppState(
        workspace=workspace,
        store=store,
        secret=app_secret(workspace),
        secure_cookies=secure_cookies,
        oidc=oidc,
        serving_path=serving_path,
    )
    errors.install(app)
    downloads.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _include_routes(app)
    app.add_middleware(SecurityHeaders, hsts=secure_cookies)
    return app


def _include_routes(app: FastAPI) -> None:
    from homeroom.web import api
    from homeroom.web.routes import (
        account,
        admin,
        caseload,
        casework,
        catalogue,
        effect,
        outreach,
        pages,
        partner,
        queue,
        signals,
        state,
        students,
    )

    app.include_router(account.router)
    app.include_router(admin.router)
    app.include_router(pages.router)
    app.include_router(state.router)
    # Casework before the student pages: /students/{key}/plan is not a student key.
    app.include_router(casework.router)
    app.include_router(students.router)
    app.include_router(signals.router)
    app.include_router(queue.router)
    app.include_router(caseload.router)
    app.include_router(catalogue.router)
    app.include_router(partner.router)
    app.include_router(effect.router)
    app.include_router(outreach.router)  # the opt-out page and the SMS webhook: no sign-in
    app.include_router(api.router)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The download worker lives as long as the app: started before the first request, stopped
    (its process joined) when the server stops."""
    state: AppState = app.state.homeroom
    state.downloads.start()
    try:
        yield
    finally:
        state.downloads.shutdown()


def _oidc_client(workspace: Workspace) -> OIDCClient | None:
    settings = oidc_settings(workspace)
    return OIDCClient(settings) if settings is not None else None
