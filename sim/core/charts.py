"""The one way every model's quick-look chart is saved: laid out, written as PNG, closed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["save_figure"]


def save_figure(figure: Figure, path: str | Path, dpi: int = 120) -> Path:
    """Lay out `figure`, write it to `path` (creating the folder) and close it; returns the path."""
    import matplotlib.pyplot as plt  # charts only: sweep workers and the runner never load matplotlib

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=dpi)
    plt.close(figure)
    return path
