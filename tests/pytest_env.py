"""Loaded as a pytest plugin (-p) before pytest-django sets Django up: the test run's environment."""

import os
import shutil
import tempfile

# The suite runs with DEBUG off, like production, and a throw-away key that is not a secret.
os.environ.setdefault("ALLOW_INSECURE_KEY", "1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

# Uploads awaiting their import job go to a folder of this run, not the checkout's var/ (a Celery worker
# started by a test inherits it); removed at the end.
_IMPORT_ROOT = tempfile.mkdtemp(prefix="portal-test-imports-")
os.environ.setdefault("IMPORT_ROOT", _IMPORT_ROOT)


def pytest_unconfigure(config) -> None:
    shutil.rmtree(_IMPORT_ROOT, ignore_errors=True)
