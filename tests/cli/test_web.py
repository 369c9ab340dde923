"""`homeroom serve` through the command line: refuses clear text off this machine, and serves."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest

from cli_helpers import run


def test_serving_off_loopback_without_https_is_refused(served, capsys) -> None:  # noqa: ANN001
    outcome = run(capsys, "serve", "--workspace", served.workspace.root, "--host", "10.1.2.3")
    assert outcome.exit_code == 2
    assert "HTTPS" in outcome.stderr and "--tls-cert" in outcome.stderr


def test_a_certificate_needs_its_key(served, capsys, tmp_path) -> None:  # noqa: ANN001
    cert = tmp_path / "cert.pem"
    cert.write_text("not used", encoding="utf-8")
    outcome = run(capsys, "serve", "-w", served.workspace.root, "--tls-cert", cert)
    assert outcome.exit_code == 2
    assert "--tls-key" in outcome.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_serve_answers_on_loopback_and_asks_for_a_sign_in(served) -> None:  # noqa: ANN001
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "homeroom.cli", "serve", "-w", str(served.workspace.root),
         "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.time() + 120
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=False)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.time() > deadline:
                    pytest.fail(f"the server did not start: {server.stderr.read()[-2000:]}")
                time.sleep(0.3)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login")
        login = httpx.get(f"http://127.0.0.1:{port}/login")
        assert login.status_code == 200 and "Sign in" in login.text
        assert "default-src 'self'" in login.headers["content-security-policy"]
    finally:
        server.terminate()
        out, _err = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in out
