"""gunicorn settings for ``zoufang serve`` (``--config python:server.gunicorn_hooks``): each worker hands
its heartbeat to ``server.heartbeat`` so that reading a slow upload keeps it alive."""
from __future__ import annotations


def post_worker_init(worker) -> None:
    from server import heartbeat

    heartbeat.set_notify(worker.notify)
