"""gunicorn.conf.py replaces a worker after a number of requests (issue 8 point 1).

CPython rarely gives freed memory back to the system, so a worker that once grew would keep its size
for life; ``max_requests`` with ``max_requests_jitter`` recycles it. Here a real gunicorn serves the
portal with the file, the limit lowered through the environment.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> None:
    with contextlib.suppress(urllib.error.HTTPError):  # any answer is a request served
        urllib.request.urlopen(url, timeout=10).read()


def test_a_worker_is_replaced_after_max_requests(tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "GUNICORN_MAX_REQUESTS": "2", "GUNICORN_MAX_REQUESTS_JITTER": "0", "WEB_CONCURRENCY": "1",
           "GUNICORN_ACCESS_LOG": "", "ALLOW_INSECURE_KEY": "1", "DEBUG": "0", "SECURE_SSL_REDIRECT": "0"}
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
             "procurement.wsgi:application"], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, log.read_text()
                time.sleep(0.2)
        for _ in range(5):
            get(f"http://127.0.0.1:{port}/robots.txt")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    text = log.read_text()
    assert "Autorestarting worker after current request" in text, text
    assert text.count("Booting worker with pid") >= 3, text  # the first worker, then one every two requests
