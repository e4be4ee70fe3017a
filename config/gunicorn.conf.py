"""Gunicorn settings for `skillcert serve` (bind and workers come from the command line)."""

# Threads let a worker serve other requests while one waits on the database or Redis. Two,
# not four: the requests are mostly CPU, and four threads contending for one GIL cost more
# CPU per launch (bench/launch.py --quick --baseline, three interleaved pairs of runs,
# 2026-12-07: 12.4 against 17.0 ms at c=16, 1.4x the throughput; docs/performance.md).
worker_class = "gthread"
threads = 2
timeout = 30
graceful_timeout = 20
keepalive = 5
# The app and the tracks are loaded once, in the master, before the port opens; workers are
# forked from it (post_fork gives each its own database pool). New code needs a restart:
# a HUP only forks new workers from the old master's copy.
preload_app = True
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'


def child_exit(server, worker):
    """A worker exited: Prometheus's shared files forget its live gauges (counts stay)."""
    from lti_tool.observability.metrics import process_exited

    process_exited(worker.pid)


def post_fork(server, worker):
    """A new worker must not share the master's pooled database connections (SQLAlchemy,
    "Using Connection Pools with Multiprocessing or os.fork()"): forget them, unclosed."""
    from lti_tool.wsgi import app

    app.extensions["skillcert.engine"].dispose(close=False)
