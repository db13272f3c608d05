"""Errors that services raise; pages, admin and API turn them into Chinese messages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class ServiceError(Exception):
    """A request that the rules refuse. ``message`` is shown to the user as it is."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class TransitionRefused(ServiceError):
    """The object is not in a state, or a condition does not hold, for the requested step."""

    status_code = 409


# What a service refuses a write with: every interface turns these into a Chinese answer, never a 500.
REFUSALS = (ServiceError, PermissionDenied)
