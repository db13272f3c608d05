"""Framework endpoints: tasks (filled in by its slice)."""

routes: list = []
