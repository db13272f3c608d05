"""Loaded as a pytest plugin (-p) before pytest-django sets Django up: the test run's environment."""

import os

# The suite runs with DEBUG off, like production, and a throw-away key that is not a secret.
os.environ.setdefault("ALLOW_INSECURE_KEY", "1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
