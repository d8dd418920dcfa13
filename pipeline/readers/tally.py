"""Records counted at the reader on their own, so "read = kept + rejected + quarantined" can fail.

A stage's ``read`` used to be the sum of what it wrote, which made the
invariant true by construction.  Here each read task counts the records it
*delimits* (non-blank lines of JSONL or text, a Parquet row group's rows from
the file's metadata, one per text file, one per unreadable span such as an
empty file or a truncated tail) apart from the rows its parsers produce, and
reports both to one small actor.  ``write_stage`` checks what it wrote against
the reader's count and names every file whose parser produced a different
number of rows than the reader delimited.

Reports are keyed by read-task index and replace each other, so a retried task
counts once.  The actor holds a few numbers per read task and at most
``MAX_NAMED`` mismatched pieces of files: no per-document state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import ray

from pipeline.runtime import on_driver_node

MAX_NAMED = 20


class Seen:
    """Records one unit's reader has delimited so far; the parsers never touch it."""

    __slots__ = ("n",)

    def __init__(self):
        self.n = 0

    def add(self, n) -> None:
        self.n += int(n)


@dataclass
class TaskCount:
    """One read task's (or, merged, one stage's) reader count."""

    seen: int = 0
    produced: int = 0
    mismatched: list[tuple[str, int, int, int]] = field(default_factory=list)  # (file, start byte, seen, produced)

    def add_unit(self, uri: str, start: int, seen: int, produced: int) -> None:
        self.seen += seen
        self.produced += produced
        if seen != produced and len(self.mismatched) < MAX_NAMED:
            self.mismatched.append((uri, start, seen, produced))

    def merge(self, other: TaskCount) -> None:
        self.seen += other.seen
        self.produced += other.produced
        self.mismatched += other.mismatched[: MAX_NAMED - len(self.mismatched)]

    def describe_mismatches(self) -> str:
        return "; ".join(f"{uri} (from byte {start}): {seen:,} records read, {produced:,} rows produced" for uri, start, seen, produced in self.mismatched)


@ray.remote(num_cpus=0)
class _TaskCounts:
    def __init__(self):
        self.tasks: dict[int, TaskCount] = {}

    def report(self, task: int, count: TaskCount) -> None:
        self.tasks[task] = count

    def total(self) -> TaskCount:
        total = TaskCount()
        for task in sorted(self.tasks):
            total.merge(self.tasks[task])
        return total


def _report(actor, task: int, count: TaskCount) -> None:
    ray.get(actor.report.remote(task, count))


class InputTally:
    """A stage's reader count: give it to ``read_documents`` and then to ``write_stage``."""

    def __init__(self):
        self.actor = _TaskCounts.options(**on_driver_node()).remote()

    def reporter(self, task: int):
        """What read task ``task`` calls with its ``TaskCount`` when it has read every unit."""
        return partial(_report, self.actor, task)

    def total(self) -> TaskCount:
        return ray.get(self.actor.total.remote())
