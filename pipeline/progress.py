"""One progress line per stage: documents done, input MB read, rate and ETA.

Read tasks report the documents and input bytes they read, and the stage's
writer the documents it finished, to a small counter actor; a driver thread
polls it and redraws one line on a terminal, or prints a status line every
``STATUS_SECONDS`` when the output is a log.  The share done is documents
finished over the documents the input holds, estimated from those read so far
per input byte (reading runs ahead of the stage, so the read front alone would
reach 100% early).  Inputs under ``MIN_BYTES`` take seconds and get no bar:
the counter actor would cost more than it tells.
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager

import ray

from pipeline.runtime import on_driver_node

MIN_BYTES = 16 << 20
STATUS_SECONDS = 30.0
REDRAW_SECONDS = 0.5
BAR_WIDTH = 24

_current = None  # the counter actor of the stage now running; read tasks and writers report to it


@ray.remote(num_cpus=0)
class Counter:
    """Documents read, input bytes read, documents finished."""

    def __init__(self):
        self.totals = [0, 0, 0]

    def add(self, docs: int, nbytes: int, done: int) -> None:
        self.totals = [self.totals[0] + docs, self.totals[1] + nbytes, self.totals[2] + done]

    def read(self) -> list[int]:
        return self.totals


def current():
    """The counter to report to, or None when no bar is shown."""
    return _current


def report(counter, docs: int = 0, nbytes: int = 0, done: int = 0) -> None:
    """From a task: fire and forget; a lost update only makes the bar lag."""
    if counter is not None and (docs or nbytes or done):
        counter.add.remote(docs, nbytes, done)


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else f"{seconds // 60}:{seconds % 60:02d}"


def share_done(docs: int, nbytes: int, done: int, total: int, counts_done: bool) -> float:
    """Share of the stage done: finished documents over the estimated total, or the read front."""
    if not nbytes or not total:
        return 0.0
    if not counts_done:
        return min(1.0, nbytes / total)
    expected = docs * total / nbytes
    return min(1.0, done / expected) if expected else 0.0


def status_line(name: str, totals: list[int], total: int, elapsed: float, bar: bool, counts_done: bool = True) -> str:
    """``langid [#####.......]  41%  41,234 docs  42/100 MB read  2.3 MB/s  ETA 0:48``"""
    docs, nbytes, done = totals
    share = share_done(docs, nbytes, done, total, counts_done)
    rate = share * total / elapsed if elapsed > 0 else 0.0
    eta = f"ETA {_clock((1 - share) * total / rate)}" if 0 < share < 1 else _clock(elapsed)
    filled = int(share * BAR_WIDTH)
    head = f"{name} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}]" if bar else f"{name}:"
    shown = done if counts_done else docs
    return f"{head} {share:4.0%}  {shown:,} docs  {nbytes / 1e6:,.0f}/{total / 1e6:,.0f} MB read  {rate / 1e6:.1f} MB/s  {eta}"


@contextmanager
def stage_progress(name: str, total_bytes: int, counts_done: bool = True, stream=None):
    """Show the progress of the stage run inside the block; nothing for small inputs.

    ``counts_done``: the stage writes through ``StageSink``, which reports the
    documents it finished; otherwise the bar follows the read front.
    """
    global _current
    stream = stream or sys.stderr
    if total_bytes < MIN_BYTES or _current is not None:
        yield
        return
    counter = Counter.options(**on_driver_node()).remote()
    _current = counter
    terminal = stream.isatty()
    stop = threading.Event()
    started = time.time()

    def draw(final: bool = False) -> None:
        line = status_line(name, ray.get(counter.read.remote()), total_bytes, time.time() - started, terminal, counts_done)
        stream.write((f"\r{line}\033[K" + ("\n" if final else "")) if terminal else line + "\n")
        stream.flush()

    def loop() -> None:
        while not stop.wait(REDRAW_SECONDS if terminal else STATUS_SECONDS):
            draw()

    thread = threading.Thread(target=loop, name=f"progress-{name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        _current = None
        if terminal:
            draw(final=True)
        ray.kill(counter)
