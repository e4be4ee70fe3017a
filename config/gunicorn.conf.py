"""Gunicorn settings for `skillcert serve` (bind and workers come from the command line)."""

# Threads let a worker serve other requests while one waits on the database or an LMS.
worker_class = "gthread"
threads = 4
timeout = 30
graceful_timeout = 20
keepalive = 5
# The app is built in each worker after fork: database pools and HTTP sessions are per process.
preload_app = False
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'


def child_exit(server, worker):
    """A worker exited: Prometheus's shared files forget its live gauges (counts stay)."""
    from lti_tool.observability.metrics import process_exited

    process_exited(worker.pid)
