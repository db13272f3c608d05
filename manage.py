#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    # Administrative commands (migrate, makemigrations, shell …) may run without SECRET_KEY; the
    # processes that serve or sign anything (gunicorn through wsgi.py, Celery) still require it,
    # and `check --deploy` reports the fallback key as insecure.
    os.environ.setdefault("ALLOW_INSECURE_KEY", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
