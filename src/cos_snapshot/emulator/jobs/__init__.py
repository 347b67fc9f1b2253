"""Snapshot jobs, the API's asynchronous mode (CreateMediaJobs, DescribeMediaJob(s),
CancelMediaJob with ``Tag`` ``Snapshot``): the spec read and checked (``spec``), the shot times
and sprite layout (``plan``), the work of one job (``work``: one forward pass over the video),
the jobs in memory with their workers and callbacks (``store``) and the routes (``routes``)."""

from __future__ import annotations

from .plan import JobFailure, Readings
from .routes import MAX_JOB_PATH_BYTES, JobRoutes, is_job_key
from .spec import JobSpec, SnapshotConfig, SpriteConfig
from .work import Cancelled, JobOutcome, SnapshotJobRunner

__all__ = [
    "MAX_JOB_PATH_BYTES",
    "Cancelled",
    "JobFailure",
    "JobOutcome",
    "JobRoutes",
    "JobSpec",
    "Readings",
    "SnapshotConfig",
    "SnapshotJobRunner",
    "SpriteConfig",
    "is_job_key",
]
