"""The progress bar every long job shows (replications, sweep runs): done / total, elapsed, ETA, on stderr."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)

__all__ = ["progress_bar"]


def progress_bar(unit: str, *extra_columns: ProgressColumn, enabled: bool = True) -> Progress:
    """A rich progress bar counting `unit` (e.g. "replications"), with optional extra columns."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        *extra_columns,
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not enabled,
        transient=False,
    )
