"""Rich progress for long steps: one bar per stage, fed by a `(stage, done, total)` callback.

Every long-running part (generator, test-company build, syncs) reports progress through
that one callback shape, so the CLI shows them all the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

ProgressCallback = Callable[[str, int, "int | None"], None]


@contextmanager
def progress_bars(console: Console, *, transient: bool = True) -> Iterator[ProgressCallback]:
    """Yield a callback that adds a bar per new stage and advances it."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        console=console,
        transient=transient,
    ) as progress:
        tasks: dict[str, int] = {}

        def callback(stage: str, done: int, total: int | None = None) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total, note="")
            progress.update(tasks[stage], completed=done, total=total, note=f"{done:,}")

        yield callback
