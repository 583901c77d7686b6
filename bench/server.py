"""gunicorn on a free port of 127.0.0.1, and a small signed-in HTTP client for it."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # the only host the load generator talks to
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Session:
    """Cookies and the CSRF token of one person, over a new connection per request (gunicorn's
    sync workers close each one)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method, path, form=None, headers=None, *, raw=False) -> tuple[int, str]:
        """The status and the body: as text, or as bytes when ``raw`` (files)."""
        headers = {"Connection": "close", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            body = urlencode(form or {})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        connection = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            body = answer.read()
        finally:
            connection.close()
        for header in answer.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return answer.status, (body if raw else body.decode())

    def get(self, path) -> tuple[int, str]:
        return self.request("GET", path)

    def post(self, path, form, headers=None) -> tuple[int, str]:
        return self.request("POST", path, form, headers)

    def sign_in(self, email: str, password: str) -> None:
        status, page = self.get("/accounts/login/")
        token = CSRF_INPUT.search(page)
        if status != 200 or not token:
            raise RuntimeError(f"sign-in page answered {status} without a CSRF token")
        form = {"username": email, "password": password, "csrfmiddlewaretoken": token.group(1)}
        status, _page = self.post("/accounts/login/", form)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"signing in as {email} answered {status}")


def _wait_until_serving(process, port: int, log_path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped:\n{log_path.read_text()[-3000:]}")
        try:
            status, _ = Session(port).get("/accounts/login/")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer in {seconds} s:\n{log_path.read_text()[-3000:]}")


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state is the first)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError):
                continue
    return found


def cpu_seconds(pids) -> dict[int, float]:
    """User and system CPU seconds used so far by each process still running (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = _stat(pid)
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def stop_all(processes, timeout: float = 30) -> None:
    """Ask processes we started to stop; kill those still running after ``timeout``."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def gunicorn(*, workers: int = 2):
    """Serve the benchmark settings with gunicorn's sync workers; yield (port, master pid)."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "iwl.settings.bench"}
    with tempfile.TemporaryDirectory(prefix="iwl-bench-") as folder:
        log_path = Path(folder) / "gunicorn.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "iwl.wsgi:application"),
                    *("--bind", f"{HOST}:{port}", "--workers", str(workers)),
                    *("--log-level", "warning", "--timeout", "60"),
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_serving(process, port, log_path)
            yield port, process.pid
        finally:
            stop_all([process])
