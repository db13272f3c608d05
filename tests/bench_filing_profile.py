"""Where a deadline-day filing spends its time: the request in-process, profiled (``make bench`` does not run it).

    DATABASE_URL=postgres://…/jl_bench_profile python -m tests.bench_filing_profile [N]

Builds a throw-away PostgreSQL database like the rush (units with API tokens, one batch project, 3
lots), then sends N filings (``POST /api/v1/sub-plans/`` with ``submit``) through Django's test client
with token authentication: the SQL of one filing (``CaptureQueriesContext``), the wall and CPU time per
filing, and cProfile's top functions over the second half, timed in CPU time (what the rush is short of
on a shared two-core machine: the database wait is not counted).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import time

from tests.bench_rush import _build, _pg_url, _recreate_database


def main(count: int) -> None:
    url = _pg_url().replace("jl_bench_rush", "jl_bench_profile")
    _recreate_database(url)
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="procurement.settings", ALLOW_INSECURE_KEY="1",
                      DEBUG="0", SECURE_SSL_REDIRECT="0", CONN_MAX_AGE="60", LOG_LEVEL="WARNING")
    import django

    django.setup()
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    units = count // 3 + 2
    filings = _build(units, 3, rounds=1)[0].filings
    client = Client()

    def file(filing):
        response = client.post("/api/v1/sub-plans/", data=filing.body(), content_type="application/json",
                               HTTP_AUTHORIZATION=f"Token {filing.token}", HTTP_ACCEPT="application/json")
        assert response.status_code == 201, (response.status_code, response.content[:300])

    # Warm the code paths, then the SQL of one filing.
    file(filings[0])
    with CaptureQueriesContext(connection) as queries:
        file(filings[1])
    print(f"== 一次填报的 SQL（{len(queries)} 条）==")
    for q in queries:
        print(f"  {q['time']}s  {q['sql'][:220]}")

    batch = filings[2:count + 2]
    half = len(batch) // 2
    started, cpu_started = time.perf_counter(), time.process_time()
    for filing in batch[:half]:
        file(filing)
    wall = (time.perf_counter() - started) / half * 1000
    cpu = (time.process_time() - cpu_started) / half * 1000
    print(f"== 进程内每次填报：用时 {wall:.2f} ms，CPU {cpu:.2f} ms（{half} 次，未开分析器）==")
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for filing in batch[half:]:
        file(filing)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime")
    stats.print_stats(30)
    stats.sort_stats("cumulative").print_stats(60)
    print(out.getvalue())
    connections.close_all()
    _recreate_database(url, create=False)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
