"""The admin for procurement-center operators, one module per area."""

from . import accounts, calendar, notifications, reference, workflow  # noqa: F401
