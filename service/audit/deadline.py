"""A wall-clock bound on a database call, for a server that stops answering.

A silent network partition (packets dropped, no reset) leaves a PostgreSQL client waiting
in `poll()` for ever: psycopg's synchronous calls take no timeout, and the server-side
`statement_timeout` never fires because the server never saw the statement. So the call
runs on a small thread pool and the request waits at most `seconds`; past that the
database counts as unavailable (the audit record is spooled, a rate limit counts in
memory, a token is refused). The abandoned call ends when TCP gives up on the
connection (keepalives and `tcp_user_timeout`, service.audit.store.Timeouts).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

T = TypeVar("T")

# At most this many calls wait on a silent server at once; more queue, and time out too.
MAX_THREADS = 8

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0


class DatabaseTimeout(Exception):
    """The database did not answer within the deadline: treat it as unavailable."""


def call_with_deadline(seconds: float | None, fn: Callable[..., T], *args: object) -> T:
    """`fn(*args)`, or DatabaseTimeout after `seconds` (None: no bound, run here)."""
    if seconds is None:
        return fn(*args)
    future = _executor().submit(fn, *args)
    try:
        return future.result(timeout=seconds)
    except FutureTimeout:
        future.cancel()  # still queued behind stuck calls: never run it
        raise DatabaseTimeout(f"no answer from the database within {seconds:g} s") from None


def _executor() -> ThreadPoolExecutor:
    global _pool, _pool_pid
    with _lock:
        # A forked gunicorn worker inherits the object but none of its threads.
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(MAX_THREADS, thread_name_prefix="audit-db")
            _pool_pid = os.getpid()
        return _pool
