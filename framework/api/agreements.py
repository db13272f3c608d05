"""Framework endpoints: agreements (filled in by its slice)."""

routes: list = []
