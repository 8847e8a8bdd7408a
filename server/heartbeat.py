"""A gunicorn sync worker reporting that it is alive while a request's body is still arriving.

gunicorn kills a sync worker whose one request outlasts ``--timeout``: a phone on a weak signal sending
minutes of photos would be cut off mid-upload, and retry, and be cut off again. The body reader calls
``beat()`` as data arrives (at most once a second), so a worker reading a slow but steady body is left
alone, while one that hangs anywhere else is still killed; a body that stops coming is ended by
``ZOUFANG_BODY_TIMEOUT``. ``server.gunicorn_hooks`` hands the worker over when it starts; outside gunicorn
(the dev server, tests, jobs) ``beat()`` does nothing.
"""
from __future__ import annotations

import time
from typing import Callable

INTERVAL = 1.0  # seconds between two reports at most

_notify: Callable[[], None] | None = None
_last = 0.0


def set_notify(notify: Callable[[], None] | None) -> None:
    global _notify, _last
    _notify, _last = notify, 0.0


def beat() -> None:
    global _last
    if _notify is None:
        return
    now = time.monotonic()
    if now - _last >= INTERVAL:
        _last = now
        _notify()
