"""How the portal is served: gunicorn reads this file from the working directory.

Sync workers, one per core. Sync workers have no GIL shared between threads and their load stays
even across the processes. With 4 gthread workers × 4 threads, keep-alive connections piled onto
two of the four processes and the p95 of the deadline rush (``make bench``) was 1.4 to 1.7 times
higher. A second process per core does not pay either: a filing keeps its core busy (Python, and
PostgreSQL beside it), and on the two-core bench machine four workers filed 287–337 sub-plans/s
(p95 107–124 ms) where two filed 333–366/s (p95 106–115 ms), in interleaved runs; only the bare
floor view, which mostly waits for its commit, went faster with four (about 1,480 writes/s
against 1,310). Sync workers do not keep connections alive, so in production a buffering reverse
proxy (nginx) faces slow clients; a 100,000-row web import holds its worker for about 18 s.

Every value may be set from the environment: ``WEB_CONCURRENCY`` (workers), ``PORT``,
``GUNICORN_TIMEOUT`` and ``GUNICORN_ACCESS_LOG`` (a path, ``-`` for standard output, empty for none).
"""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count())
# The web import of a 100,000-row arrangement table runs inside its request (about 18 s).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# The application is imported once, before the workers fork: they start at once and share its pages.
# Django opens no database connection at import, so no connection crosses the fork.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
