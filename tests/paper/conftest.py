"""One quick build of the whole paper, shared by the tests of this folder (as `make paper QUICK=1` runs it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from paper.make_paper import BuildReport, build


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> BuildReport:
    """The quick build, cold: an empty output folder, so every run is simulated once."""
    return build(tmp_path_factory.mktemp("paper_build") / "build", quick=True)


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    # Typst sets a hyphen inside a word as a soft hyphen, and the space in "Figure 1" as a no-break space
    return "\n".join(page.extract_text() for page in PdfReader(path).pages).replace("\u00ad", "-").replace("\xa0", " ")
