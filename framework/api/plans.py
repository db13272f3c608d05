"""Framework endpoints: plans (filled in by its slice)."""

routes: list = []
