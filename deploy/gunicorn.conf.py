"""gunicorn settings for hailong (``gunicorn -c deploy/gunicorn.conf.py survey_app.wsgi:app``).

Measured on 2 cores (bench/RESULTS.md): 3 workers x 2 threads served the most submissions.
With several workers, set HAILONG_RATELIMIT_STORAGE_URI=redis://… so that rate limits are
shared between them.
"""
import multiprocessing
import os

bind = os.environ.get("HAILONG_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("HAILONG_WORKERS", multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("HAILONG_THREADS", "2"))
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
forwarded_allow_ips = os.environ.get("HAILONG_FORWARDED_ALLOW_IPS", "127.0.0.1")
