"""Admin: reference."""
