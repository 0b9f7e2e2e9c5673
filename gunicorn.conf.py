"""gunicorn settings: `gunicorn` (or `gunicorn --preload 'service:create_app()'`) from here.

Everything comes from the CDS_* settings (service/settings.py), like the app itself.
Sync workers: the rules engine's C extension never releases the GIL, so threads add
nothing and processes scale (shared/reference/ENGINE.md). `--preload` is safe: the
engine's dispatcher threads are disabled, the audit store opens a fresh connection pool
in each worker, and the spool replay thread starts in the worker on its first request.
"""

import gc
import logging
import os
import shutil
import sys
import tempfile

# Metrics summed over workers: prometheus_client chooses its multi-process mode when it is
# imported, and importing the settings imports the app's packages, so this comes first.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="cds-metrics-"))

from service.settings import SettingsError, load_settings

try:
    settings = load_settings()
    settings.check_for_workers(settings.workers)  # raises SettingsError
except SettingsError as exc:
    # A setting that cannot be honoured stops the start, with the reason and nothing else.
    sys.exit(f"magnesium-cds: cannot start: {exc}")
multiproc_dir = settings.prometheus_multiproc_dir

wsgi_app = "service:create_app()"
bind = settings.bind
workers = settings.workers
worker_class = "sync"
preload_app = True  # compile the knowledge base once, before forking
timeout = settings.timeout_seconds  # a worker silent this long is killed and replaced
graceful_timeout = 30
keepalive = 5  # longer than most load balancers' idle timeout is not needed for sync workers
max_requests = settings.max_requests  # recycle workers now and then, staggered:
max_requests_jitter = settings.max_requests // 10
limit_request_line = 8190
limit_request_fields = 100

# JSON lines to stdout (access) and stderr (errors), one object per line.
logger_class = "service.ops.gunicorn.JsonLogger"
accesslog = "-"
errorlog = "-"
loglevel = settings.log_level.lower()

# The control socket (gunicorn >= 25) is for gunicornc, which this service does not use;
# in a container it would need a writable HOME or /run. Off everywhere.
control_socket_disable = True

# A heartbeat file on tmpfs when there is one (Docker's /tmp may be an overlay disk).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"


def on_starting(server):
    """Start with empty metric files (values of a previous run would be summed in)."""
    os.makedirs(multiproc_dir, exist_ok=True)
    for name in os.listdir(multiproc_dir):
        path = os.path.join(multiproc_dir, name)
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)


def pre_fork(server, worker):
    """Freeze the preloaded objects: a worker's garbage collections then skip them.

    The app (knowledge base, schemas, libraries) is about 110,000 objects; a full
    collection over them takes about 30 ms in every worker and writes to every page that
    holds one, unsharing the memory fork shared (Python's gc.freeze documentation).
    """
    gc.freeze()


def child_exit(server, worker):
    """Drop a dead worker's live gauges (its counters stay summed in)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, multiproc_dir)


def worker_exit(server, worker):
    """Leave an exiting worker at once, with its own exit code.

    Python's interpreter teardown takes about 150 ms here (freeing every imported module),
    during which a recycled worker (max_requests) holds its last connection and serves no
    one: it showed as the p99 at 64 connections (bench/run.py). The worker's own resources
    are closed first (audit store: replay thread, connection pool), then the logs flushed.
    """
    exiting = sys.exc_info()[1]  # gunicorn calls this while the worker's SystemExit unwinds
    if not isinstance(exiting, SystemExit):
        return  # anything unexpected: leave it to Python as before
    code = exiting.code if isinstance(exiting.code, int) else (0 if exiting.code is None else 1)
    app = getattr(worker, "wsgi", None)
    store = getattr(app, "extensions", {}).get("audit")
    try:
        if store is not None:
            store.close()
    finally:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
