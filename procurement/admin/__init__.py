"""The admin for procurement-center operators, one module per area."""

from . import accounts, calendar, execution, mail, notifications, reference, workflow  # noqa: F401
