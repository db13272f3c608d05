"""Volume reads: one module per step of 753号 (every read returns a queryset with its joins chosen)."""
