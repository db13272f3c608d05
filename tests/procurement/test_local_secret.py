"""The secret key a local run keeps under var/ (procurement/local_secret.py). Source: issue 7 point 14."""

from __future__ import annotations

import subprocess
import sys

from procurement.local_secret import local_secret_key


def test_the_first_call_creates_a_private_key_and_later_calls_reuse_it(tmp_path):
    path = tmp_path / "var" / "secret_key"
    key = local_secret_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert local_secret_key(path) == key
    assert path.read_text().strip() == key
    assert list(path.parent.iterdir()) == [path]  # no draft left behind


def test_a_key_file_readable_by_others_is_made_private_again(tmp_path):
    path = tmp_path / "secret_key"
    key = local_secret_key(path)
    path.chmod(0o644)
    assert local_secret_key(path) == key
    assert path.stat().st_mode & 0o777 == 0o600


def test_processes_starting_together_agree_on_one_key(tmp_path):
    # The launcher, gunicorn, the worker and beat may all read the file at the same moment.
    path = tmp_path / "secret_key"
    code = ("from pathlib import Path; from procurement.local_secret import local_secret_key; "
            f"print(local_secret_key(Path({str(path)!r})))")
    runs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(6)]
    keys = {run.communicate(timeout=60)[0].strip() for run in runs}
    assert len(keys) == 1
    assert keys == {path.read_text().strip()}
