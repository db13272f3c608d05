routes: list = []  # (prefix, viewset, basename) registered under /api/v1/batch/
