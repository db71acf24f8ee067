"""`alex_jobs{status}`: jobs by status, read from the jobs table at scrape time, so it is the
same whichever process answers."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from alex.db.models import Job

JOB_STATUSES = ("pending", "running", "completed", "failed")


class JobStatusCollector(Collector):
    """How many jobs are in each status now (queue depth is `pending`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        with self.engine.connect() as conn:
            counts = dict(conn.execute(select(Job.status, func.count()).group_by(Job.status)).all())
        family = GaugeMetricFamily("alex_jobs", "Jobs by status.", labels=["status"])
        for status in JOB_STATUSES:
            family.add_metric([status], float(counts.get(status, 0)))
        yield family
