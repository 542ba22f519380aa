"""gunicorn on each app server: `gunicorn -c deploy/gunicorn.conf.py jiading_ads.wsgi`.

Used as is by `make cluster-test` (GUNICORN_BIND and GUNICORN_WORKERS set per
server) and `make loadtest`. Settings come from the environment
(README: Configuration), the same on every server.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# About two per core: the pages are CPU-bound Python, their queries short.
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1))))
timeout = 120  # the largest 台账 export and import finish well within this
graceful_timeout = 30
# Recycle workers now and then, spread out so they never all restart at once.
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
