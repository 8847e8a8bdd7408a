"""``zoufang jobs worker`` (an RQ worker for the export queue, when REDIS_URL is set),
``zoufang jobs book AREA`` (a village or township book, run here) and ``zoufang jobs cleanup``."""
from __future__ import annotations

import click
from flask import current_app

from server.accounts.permissions import SYSTEM
from server.cli import handle_errors
from server.db import unit_of_work
from server.jobs.service import cleanup_exports, create_job, exports_dir, run_job


@click.group("jobs")
def jobs():
    """导出任务（PDF 合订本等）/ export jobs."""


@jobs.command("worker")
@click.option("--burst", is_flag=True, help="处理完队列即退出 / quit when the queue is empty")
@handle_errors
def worker_cmd(burst: bool):
    """运行 RQ 工作进程（需要 REDIS_URL）/ run an RQ worker for the export queue."""
    from rq import Worker

    from server.jobs.queue import rq_queue

    url = current_app.config["ZOUFANG"].redis_url
    if not url:
        raise click.UsageError("REDIS_URL 未设置：任务在服务器进程内运行 / REDIS_URL is not set: jobs run in-process")
    q = rq_queue(url)
    Worker([q], connection=q.connection).work(burst=burst)


@jobs.command("book")
@click.argument("area")
@handle_errors
def book_cmd(area: str):
    """生成村有册或乡有簿合订本（在本进程中）/ make a village or township book here."""
    from server.areas.service import get_area

    with unit_of_work():
        level = get_area(area, actor=SYSTEM).level
        job_id = create_job("village_book" if level == "village" else "township_book", {"area": area},
                            actor=SYSTEM).id
    run_job(job_id)
    with unit_of_work() as session:
        from server.jobs.models import Job

        job = session.get(Job, job_id)
        click.echo(f"{job.status_label}：{exports_dir() / job.path if job.path else job.message}")


@jobs.command("cleanup")
@handle_errors
def cleanup_cmd():
    """删除超过保留期的导出文件 / delete exports older than the retention period."""
    click.echo(f"已过期删除 {cleanup_exports()} 个导出 / expired")
