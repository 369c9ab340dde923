"""Helpers for the browser tests: the app on a real socket, Chromium, and what a page did.

The browser is Debian's Chromium (/usr/bin/chromium, installed by the Makefile): Playwright
cannot download its own browser on these machines, so it is always launched by path.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling Google's hosts, which this
# closed network refuses; the tests also want to see only the app's own requests.
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]
VIEWPORT = {"width": 1280, "height": 900}
SCREENSHOT_MAX_HEIGHT = 2400  # longer pages are clipped: the committed PNGs stay small
SCREENSHOTS_ENV = "HOMEROOM_SCREENSHOTS"
LOCAL_HOSTS = {"127.0.0.1"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def live_server(app: object, *, timeout: float = 30.0) -> Iterator[str]:
    """Serve APP with uvicorn on 127.0.0.1 in a background thread; yields the base address."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", access_log=False
    )
    server = uvicorn.Server(config)
    # A thread other than the main one: uvicorn leaves the process's signal handlers alone.
    thread = threading.Thread(target=server.run, name="homeroom-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the test server stopped before it started (port {port})")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the test server did not start within {timeout:.0f} s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's headless Chromium under Playwright, launched by path with the flags above."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class PageWatch:
    """What a page asked for outside this machine, and the errors its console reported.

    Content-Security-Policy violations are console errors in Chromium, so an empty `errors`
    also means the policy refused nothing the page tried to load or run.
    """

    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def attach(self, page: object) -> None:
        page.on("request", self._request)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _request(self, request: object) -> None:
        url = request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname not in LOCAL_HOSTS:
            self.outside.append(url)

    def _console(self, message: object) -> None:
        if message.type == "error":
            where = message.location.get("url") or "?"
            self.errors.append(f"{message.text} [{where}]")

    def take_errors(self) -> list[str]:
        """The errors so far, forgotten (for a step that expects one, like a refused page)."""
        taken, self.errors = self.errors, []
        return taken


def screenshot(page: object, name: str, folder: Path) -> Path:
    """A full-page PNG of PAGE as FOLDER/NAME.png (clipped to the first 2400 px), copied to
    $HOMEROOM_SCREENSHOTS as well when that is set."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    height = page.evaluate("document.documentElement.scrollHeight")
    width = page.viewport_size["width"]
    page.screenshot(
        path=str(path),
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": min(height, SCREENSHOT_MAX_HEIGHT)},
    )
    extra = os.environ.get(SCREENSHOTS_ENV)
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        small_copy(path, Path(extra) / path.name)
    return path


def small_copy(source: Path, target: Path) -> None:
    """A copy for the repository: 128 colours, no dithering (a third of the size, and flat
    page colours and text stay sharp). Pillow comes with WeasyPrint; without it, a plain copy."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is installed with WeasyPrint
        shutil.copyfile(source, target)
        return
    with Image.open(source) as image:
        reduced = image.convert("RGB").quantize(
            colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        reduced.save(target, optimize=True)


def sign_in(page: object, base: str, username: str, password: str) -> None:
    """Sign in through the form, as a person would, and wait for the page it leads to."""
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def sign_out(page: object) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
