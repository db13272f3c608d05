"""Admin of batch centralized procurement, one module per step."""

from . import arrangement, award, projects, tasks  # noqa: F401
