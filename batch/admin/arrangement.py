"""Admin: arrangement."""
