"""How the portal is served: gunicorn reads this file from the working directory.

Sync workers, one per core. Sync workers have no GIL shared between threads and their load stays
even across the processes. With 4 gthread workers × 4 threads, keep-alive connections piled onto
two of the four processes and the p95 of the deadline rush (``make bench``) was 1.4 to 1.7 times
higher. A second process per core does not pay either: a filing keeps its core busy (Python, and
PostgreSQL beside it), and on the two-core bench machine four workers filed 287–337 sub-plans/s
(p95 107–124 ms) where two filed 333–366/s (p95 106–115 ms), in interleaved runs; only the bare
floor view, which mostly waits for its commit, went faster with four (about 1,480 writes/s
against 1,310). Sync workers do not keep connections alive, so in production a buffering reverse
proxy (nginx) faces slow clients.

A worker is replaced after ``max_requests`` requests, give or take ``max_requests_jitter``. CPython
rarely returns freed memory to the system, so a worker that once held a large upload or a large export
(reading Excel is bounded by ``procurement.excel``, to about +150 MB for any upload) would otherwise keep
that size until the next deploy. A new worker is not free, though: it opens its own database connection
and builds its per-process caches again. At the deadline rush a worker serves about 150 requests a second
(``make bench``): replaced every 5,000 requests (every half minute there), the rush spent about 1 ms more
server CPU per filing (21-22% of the floor against 23-24%, consecutive runs on one machine); every 20,000
(about every two minutes at the rush, days at ordinary load) it was back to where it was without
recycling. With ``preload_app`` a new worker is a fork of the loaded application, ready in milliseconds. The
jitter (10%) keeps the workers, which start together, from being replaced together. Long imports are not
meant to hold a web worker (issue 8 point 2 hands them to Celery); ``timeout`` still ends any request
that runs past it.

Every value may be set from the environment: ``WEB_CONCURRENCY`` (workers), ``PORT``,
``GUNICORN_TIMEOUT``, ``GUNICORN_MAX_REQUESTS``, ``GUNICORN_MAX_REQUESTS_JITTER`` and
``GUNICORN_ACCESS_LOG`` (a path, ``-`` for standard output, empty for none).
"""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count())
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "2000"))
graceful_timeout = 30
# The application is imported once, before the workers fork: they start at once and share its pages.
# Django opens no database connection at import, so no connection crosses the fork.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
