"""The floor of the deadline-rush bench: the cheapest write Django can serve on this machine.

One POST, no authentication, one INSERT into a small table and its COMMIT, through the portal's own
settings and middleware, served by the same gunicorn (``gunicorn.conf.py``) as the real filing. What
the filing reaches as a share of this floor, measured minutes apart on the same machine, says how
much the filing itself costs, whatever else the machine is doing. Only the bench serves it
(``tests.bench_settings`` → ``tests.bench_urls``); the table is created by the bench, not by a migration.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

FLOOR_TABLE = "bench_floor_write"


def floor_table_create() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} ("
            " id bigserial PRIMARY KEY, written_at timestamp with time zone NOT NULL DEFAULT now(),"
            " body text NOT NULL)"
        )


def floor_row_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {FLOOR_TABLE}")
        return cursor.fetchone()[0]


@csrf_exempt
@require_POST
def floor_write(request):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {FLOOR_TABLE} (body) VALUES (%s)", [request.body.decode("utf-8", "replace")])
    return JsonResponse({"written": 1}, status=201)
