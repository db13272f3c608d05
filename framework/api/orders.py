"""Framework endpoints: orders (filled in by its slice)."""

routes: list = []
