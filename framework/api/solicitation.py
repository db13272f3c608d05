"""Framework endpoints: solicitation (filled in by its slice)."""

routes: list = []
