"""Admin: workflow."""
