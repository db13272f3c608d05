"""`make run` as a newcomer starts it, then Ctrl-C (issue 7 points 14 and 15).

The Makefile's own `run` recipe runs with the installed interpreter (`-o install` skips only the
install), in a session of its own as a terminal would hold it, with no configuration at all: SQLite
and the file-system broker in a private folder. The portal must behave like production (Chinese
404, static files served, sign-in over plain http, a kept secret), and the terminal's Ctrl-C
(SIGINT to the foreground process group) must end every process it started within 10 seconds,
without a segmentation fault.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from procurement.services.demo import DEFAULT_DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 240  # a first run migrates SQLite and loads the catalog and the demo
STOP_SECONDS = 10

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stat(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return []


def session_processes(session: int) -> dict[int, str]:
    """Every live process of the session (zombies have ended): pid → command line."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat(int(entry))
        if fields and fields[0] != "Z" and fields[3] == str(session):
            try:
                found[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except FileNotFoundError:
                continue
    return found


def as_a_terminal_would() -> None:
    """A shell started in the background ignores SIGINT, and children inherit that: undo it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(opener, url: str, data: dict | None = None) -> tuple[int, dict, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, data=body, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture
def make_run(tmp_path):
    port = free_port()
    log = tmp_path / "make-run.log"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        # Everything a run keeps goes to a private folder (the checkout's var/ is a developer's).
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    if "SHARED_DATA_DIR" in os.environ:
        env["SHARED_DATA_DIR"] = os.environ["SHARED_DATA_DIR"]
    with log.open("w") as output:
        make = subprocess.Popen(["make", "-o", "install", "run", f"PORT={port}", f"PY={sys.executable}"],
                                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=as_a_terminal_would)
    run = {"make": make, "port": port, "url": f"http://127.0.0.1:{port}", "log": log, "var": tmp_path / "var"}
    try:
        yield run
    finally:
        for pid in session_processes(make.pid):
            os.kill(pid, signal.SIGKILL)
        make.wait(timeout=10)


def wait_until_it_answers(run) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert run["make"].poll() is None, run["log"].read_text()
        try:
            with urllib.request.urlopen(run["url"] + "/", timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1)
    pytest.fail(f"make run did not answer within {START_SECONDS} s:\n{run['log'].read_text()[-3000:]}")


def test_make_run_serves_like_production_and_ctrl_c_ends_every_process(make_run):
    run = make_run
    wait_until_it_answers(run)
    base = run["url"]
    plain = urllib.request.build_opener(NoRedirect)

    # Point 14: a mistyped URL is the Chinese 404, not Django's technical page with the URL list.
    status, _, body = fetch(plain, base + "/unit/sub-plan/")
    assert status == 404
    assert "页面不存在" in body
    assert "Page not found" not in body and "URLconf" not in body
    # Static files are served with DEBUG off (collected, then WhiteNoise).
    css = re.search(r'href="(/static/css/portal\.css[^"]*)"', body).group(1)
    status, headers, _ = fetch(plain, base + css)
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")

    # Sign in over plain http: no https redirect, no Secure cookie the browser would keep to itself.
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    status, _, form = fetch(browser, base + "/login/")
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    status, _, home = fetch(browser, base + "/login/",
                            {"csrfmiddlewaretoken": token, "username": "unit", "password": DEFAULT_DEMO_PASSWORD})
    assert status == 200, home[:2000]
    assert "退出登录" in home
    # The demo of `make run` keeps its shared password: the unit's home, not the forced password change.
    assert "预算单位工作台" in home
    assert {cookie.name for cookie in jar} >= {"sessionid", "csrftoken"}
    assert not any(cookie.secure for cookie in jar)

    # The local secret: made on the first run, readable by its owner only.
    secret = run["var"] / "secret_key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_text().strip()) >= 50

    # Point 15: links follow the port, in the banner and in the demo's e-mails (console backend).
    log = run["log"].read_text()
    assert f">> 门户: {base}/" in log
    assert f"办理地址：{base}/" in log
    assert ":8000" not in log

    # The three servers are running, each in a process group of its own.
    started = session_processes(run["make"].pid)
    commands = " | ".join(started.values())
    for server in ("gunicorn procurement.wsgi:application", "celery -A procurement worker",
                   "celery -A procurement beat"):
        assert server in commands
    assert len({int(_stat(pid)[2]) for pid in started}) >= 4  # make's group and one per server

    # Ctrl-C: the terminal sends SIGINT to the foreground process group (make and the launcher).
    os.killpg(run["make"].pid, signal.SIGINT)
    stopped_by = time.monotonic() + STOP_SECONDS
    while time.monotonic() < stopped_by and session_processes(run["make"].pid):
        time.sleep(0.2)
    left = session_processes(run["make"].pid)
    assert left == {}, f"still running {STOP_SECONDS} s after Ctrl-C: {left}"
    assert not any(Path(f"/proc/{pid}").exists() and _stat(pid)[:1] != ["Z"] for pid in started)

    log = run["log"].read_text()
    assert ">> 已全部停止（用时" in log, log[-3000:]
    for crash in ("Segmentation fault", "SIGSEGV", "Traceback"):
        assert crash not in log, log[-3000:]
