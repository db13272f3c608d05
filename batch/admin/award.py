"""Admin: award."""
