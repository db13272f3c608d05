"""How the portal is served: gunicorn reads this file from the working directory.

Sync workers, two per core. A request here is short and spends much of its time waiting for
PostgreSQL, so a second process per core keeps the core busy. Sync workers have no GIL shared
between threads and their load stays even across the processes. With 4 gthread workers × 4
threads, keep-alive connections piled onto two of the four processes and the p95 of the
deadline rush (``make bench``) was 1.4 to 1.7 times higher. Sync workers do not keep
connections alive, so in production a buffering reverse proxy (nginx) faces slow clients.

Every value may be set from the environment: ``WEB_CONCURRENCY`` (workers), ``PORT``,
``GUNICORN_TIMEOUT`` and ``GUNICORN_ACCESS_LOG`` (a path, ``-`` for standard output, empty for none).
"""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count())
# The web import of a 100,000-row arrangement table runs inside its request (about 18 s).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# The application is imported once, before the workers fork: they start at once and share its pages.
# Django opens no database connection at import, so no connection crosses the fork.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
