"""The admin for procurement-center operators, one module per area."""

from . import accounts, calendar, mail, notifications, reference, workflow  # noqa: F401
