"""The one way every chart is saved: laid out, written as PNG. Charts are built on `matplotlib.figure.Figure`,
never through `pyplot`, so drawing needs no backend and leaves the user's backend alone."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["save_figure"]


def save_figure(figure: Figure, path: str | Path, dpi: int = 120) -> Path:
    """Lay out `figure` (tight, unless it already has a layout engine such as constrained), write it to `path`
    (creating the folder); returns the path. A `Figure` made without pyplot is not registered with any
    backend, so there is nothing to close: it is freed with its last reference."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if figure.get_layout_engine() is None:
        figure.tight_layout()
    figure.savefig(path, dpi=dpi)
    return path
