"""Admin of batch centralized procurement, one module per step."""

from . import arrangement, projects, tasks  # noqa: F401
