"""Downloads built off the request path: one worker process, a bounded number of waiting jobs.

An XLSX of a page's tables takes about a second of CPU; on the web server's threads that second
slowed every other page (issue 12, point 10). The page's tables are queried on the request
thread as before, then pickled to a single worker process that writes the file and returns its
bytes. At most `MAX_WAITING` downloads are in hand at once; the next one is refused with 503 and
Retry-After *before* its route runs, so a refused download is never audited.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import Response

from homeroom.web import exports
from homeroom.web.exports import Stamp
from homeroom.web.render import page

MAX_WAITING = 8  # downloads running or waiting; beyond it the answer is 503
RETRY_AFTER_SECONDS = 10
# Preloaded in the fork server, so a new worker starts without importing pandas again.
PRELOAD = ["homeroom.web.exports", "openpyxl"]


class DownloadsBusy(Exception):
    """Every download slot is taken; the user is asked to try again shortly."""


@dataclass(frozen=True)
class Job:
    """What the worker needs to write one file (pickled to it whole)."""

    tables: Mapping[str, pd.DataFrame]
    basename: str
    fmt: str
    table: str | None
    stamp: Stamp | None


@dataclass(frozen=True)
class Built:
    body: bytes
    media_type: str
    disposition: str


def build(job: Job) -> Built:
    """Runs in the worker: the file exactly as homeroom.web.exports.download writes it."""
    made = exports.download(job.tables, job.basename, job.fmt, job.table, stamp=job.stamp)
    return Built(bytes(made.body), str(made.media_type), made.headers["content-disposition"])


class DownloadQueue:
    """The worker pool and its slots. Started and stopped with the app (see web.app)."""

    def __init__(self, max_waiting: int = MAX_WAITING) -> None:
        self.max_waiting = max_waiting
        self._slots = threading.BoundedSemaphore(max_waiting) if max_waiting else None
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        with self._lock:
            if self._pool is None:
                # Not fork: the server has threads (and DuckDB's), which a fork copies mid-step.
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(PRELOAD)
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    @property
    def running(self) -> bool:
        return self._pool is not None

    def take_slot(self) -> None:
        """One slot for a download, or DownloadsBusy when all are taken (never waits)."""
        if self._slots is None or not self._slots.acquire(blocking=False):
            raise DownloadsBusy()

    def give_slot(self) -> None:
        if self._slots is not None:
            self._slots.release()

    def run(self, job: Job) -> Built:
        """The file, built in the worker; this thread only waits (no CPU, no event loop)."""
        # An app served without its lifespan (a test client outside `with`) starts it here.
        self.start()
        pool = self._pool
        if pool is None:  # shut down meanwhile: the app is stopping
            raise DownloadsBusy()
        try:
            return pool.submit(build, job).result()
        except BrokenProcessPool as exc:
            # The worker died (killed, out of memory): a fresh one serves the next download.
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            raise DownloadsBusy() from exc


def slot(request: Request) -> Iterator[None]:
    """App-wide dependency: a request asking for a file (`format=`) holds a slot throughout.

    Taken before the route runs, so a refused download is neither built nor audited.
    """
    if not request.query_params.get("format"):
        yield
        return
    queue: DownloadQueue = request.app.state.homeroom.downloads
    queue.take_slot()
    try:
        yield
    finally:
        queue.give_slot()


def download(
    request: Request,
    tables: Mapping[str, pd.DataFrame],
    basename: str,
    fmt: str,
    table: str | None = None,
    *,
    stamp: Stamp | None = None,
) -> Response:
    """The page's tables as a file (see homeroom.web.exports.download), built in the worker."""
    queue: DownloadQueue = request.app.state.homeroom.downloads
    built = queue.run(Job(dict(tables), basename, fmt, table, stamp))
    return Response(
        built.body, media_type=built.media_type, headers={"content-disposition": built.disposition}
    )


def install(app: FastAPI) -> None:
    """The page for a refused download: 503 with Retry-After, so browsers and scripts wait."""

    @app.exception_handler(DownloadsBusy)
    async def _busy(request: Request, _exc: DownloadsBusy) -> Response:
        response = page(
            request,
            "error.html",
            503,
            title="Downloads are busy",
            message="Many files are being prepared right now. Nothing was downloaded or "
            f"recorded; try again in {RETRY_AFTER_SECONDS} seconds.",
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
