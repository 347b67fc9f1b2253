r"""Snapshots of many keys × times into a directory, as a library: the work behind
``cos-snapshot batch``, usable without the command line.

The steps, each usable on its own:

1. items: :func:`items_from_arguments` (keys × :func:`parse_times`, or a
   :class:`~cos_snapshot.TimeSelection` such as ``--count 12``) or :func:`iter_items` (a CSV
   or JSON Lines file, read a row at a time) give :class:`BatchItem`\ s, and
   :class:`RelativeItem`\ s for times relative to the video (``50%``, ``end``), validated as
   they are read;
2. names: a :class:`BatchPlan` gives each item its file under the output directory, from a
   :class:`NameTemplate` (or the item's own ``output``); for keys × times relative to the
   video (:class:`KeyTimes`), :meth:`BatchPlan.fetch_media_infos` first asks each key's
   GetMediaInfo with the run's client; :meth:`BatchPlan.check` reads the
   whole input once before anything is fetched, refusing bad rows and names that leave the
   directory or collide, keeping only a 16-byte digest of each name;
3. running: :func:`run_batch` streams the planned items (a second reading of the input)
   through an :class:`~cos_snapshot.AsyncSnapshotClient` with ``concurrency`` requests in
   flight, resolving relative times with one GetMediaInfo per video (fetched when its first
   item runs, and kept for the run), skipping files that exist, writing files (on the event
   loop while writes are quick, in threads while they are slow), and hands each finished item
   to a callback as an :class:`ItemResult`; a :class:`BatchTally` counts them;
4. failures: a :class:`FailuresFile` lists the items that did not get done as JSON Lines that
   :func:`iter_items` reads back, so they can be taken again; it is written as the run goes.

A file is only written once its image has arrived whole (:meth:`cos_snapshot.Snapshot.save` writes a
temporary file and renames it), so a cancelled run leaves finished files and nothing else, and
the next run skips the finished ones. Nothing is held per item: a run of millions of rows keeps
the names' digests of the check and the items in flight.

Example::

    plan = BatchPlan(
        lambda: items_from_arguments(["videos/a.mp4"], parse_times("0:60:5"), ItemDefaults()),
        NameTemplate(DEFAULT_TEMPLATE),
        Path("posters"),
    )
    tally = BatchTally(plan.check())

    with FailuresFile(Path("posters") / FAILURES_NAME) as failures:

        def on_result(result: ItemResult) -> None:
            tally.add(result)
            failures.add(result)

        async with AsyncSnapshotClient(bucket=..., region=...) as client:
            await run_batch(client, plan, concurrency=8, force=False, on_result=on_result)
"""

from __future__ import annotations

from .failures import FAILURES_NAME, INCOMPLETE, FailuresFile, failure_row
from .items import (
    JSONL_SUFFIXES,
    MAX_RANGE_TIMES,
    BatchInputError,
    BatchItem,
    Item,
    ItemDefaults,
    RelativeItem,
    TimeSelection,
    is_relative_time,
    item_of_row,
    items_from_arguments,
    iter_items,
    parse_times,
    read_items,
)
from .jobs import JOBS_FILE_NAME, WORK_PREFIX, JobResult, JobsFile, run_job_batch
from .listing import DEFAULT_MATCH, VIDEO_SUFFIXES, ListedKeys, folder_of
from .names import (
    DEFAULT_LISTED_TEMPLATE,
    DEFAULT_TEMPLATE,
    FIELDS,
    KEY_LIMITS,
    NameLimits,
    NameTemplate,
    format_for_name,
    safe_key_path,
)
from .plan import (
    BatchPlan,
    KeyTimes,
    NameTaken,
    OutputNames,
    PlannedItem,
    check_suffix,
    plan_outputs,
)
from .run import MEDIA_INFO_CACHE, BatchTally, ItemResult, run_batch

__all__ = [
    "DEFAULT_LISTED_TEMPLATE",
    "DEFAULT_MATCH",
    "DEFAULT_TEMPLATE",
    "FAILURES_NAME",
    "FIELDS",
    "INCOMPLETE",
    "JOBS_FILE_NAME",
    "JSONL_SUFFIXES",
    "KEY_LIMITS",
    "MAX_RANGE_TIMES",
    "MEDIA_INFO_CACHE",
    "VIDEO_SUFFIXES",
    "WORK_PREFIX",
    "BatchInputError",
    "BatchItem",
    "BatchPlan",
    "BatchTally",
    "FailuresFile",
    "Item",
    "ItemDefaults",
    "ItemResult",
    "JobResult",
    "JobsFile",
    "KeyTimes",
    "ListedKeys",
    "NameLimits",
    "NameTaken",
    "NameTemplate",
    "OutputNames",
    "PlannedItem",
    "RelativeItem",
    "TimeSelection",
    "check_suffix",
    "failure_row",
    "folder_of",
    "format_for_name",
    "is_relative_time",
    "item_of_row",
    "items_from_arguments",
    "iter_items",
    "parse_times",
    "plan_outputs",
    "read_items",
    "run_batch",
    "run_job_batch",
    "safe_key_path",
]
