"""Admin: tasks."""
