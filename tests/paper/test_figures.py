"""Every figure of the paper builds at its quick size, writes the PNG and the numbers it declares, and the
paper and its README refer only to figures that a script produces (STYLE.md item 11)."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from paper.build_figures import FIGURES, build, script_path

REPO = Path(__file__).resolve().parents[2]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict[int, list[Path]]]:
    """All figures at quick size, built once through `build_figures.build` (as `make paper` would)."""
    out = tmp_path_factory.mktemp("paper_build")
    return out, build(out, quick=True)


def read_numbers(path: Path) -> pl.DataFrame:
    return pl.read_parquet(path) if path.suffix == ".parquet" else pl.read_csv(path, infer_schema_length=None)


@pytest.mark.slow
@pytest.mark.parametrize("number", sorted(FIGURES))
def test_figure_writes_a_png_and_finite_numbers(built, number):
    out, outputs = built
    paths = outputs[number]
    module = FIGURES[number][0]
    assert all(Path(p).parent == out for p in paths), "figures write into the directory they are given"
    pngs = [Path(p) for p in paths if Path(p).suffix == ".png"]
    tables = [Path(p) for p in paths if Path(p).suffix in (".csv", ".parquet")]
    assert [p.name for p in pngs] == [f"{module}.png"], "one PNG per figure, named after its script"
    assert tables, "each figure writes the numbers it plots"
    for png in pngs:
        assert png.read_bytes()[:8] == PNG_MAGIC
        assert png.stat().st_size > 10_000
    for table in tables:
        assert table.name.startswith(module)
        frame = read_numbers(table)
        assert frame.height > 0
        numeric = [name for name, dtype in frame.schema.items() if dtype.is_numeric()]
        assert numeric, f"{table.name} has no numeric columns"
        for name in numeric:
            values = frame.get_column(name).drop_nulls().cast(pl.Float64)
            assert values.len() > 0, f"{table.name}: column {name} is empty"
            assert values.is_finite().all(), f"{table.name}: column {name} has NaN or inf"


@pytest.mark.slow
def test_figures_table_maps_every_figure_to_script_and_outputs(built):
    out, outputs = built
    table = (out / "figures.md").read_text()
    assert sorted(outputs) == sorted(FIGURES)
    for number, (module, _) in FIGURES.items():
        row = next(line for line in table.splitlines() if line.startswith(f"| {number} |"))
        assert f"`{script_path(module)}`" in row
        for path in outputs[number]:
            assert Path(path).name in row


@pytest.mark.slow
def test_quick_numbers_agree_with_erlang_c(built):
    """Even at quick size the customs figure's intervals are computed the right way round."""
    out, _ = built
    frame = pl.read_csv(out / "fig1_customs_validation.csv")
    assert (frame["ci_low"] <= frame["simulated_mean"]).all() and (frame["simulated_mean"] <= frame["ci_high"]).all()
    assert (frame["erlang_c"] > 0).all()


def test_every_figure_has_a_script_with_main_and_cli():
    for module, _ in FIGURES.values():
        text = (REPO / script_path(module)).read_text()
        assert "def main(out_dir: Path, quick: bool = False) -> list[Path]:" in text
        assert 'if __name__ == "__main__":' in text
    scripts = {p.stem for p in (REPO / "paper" / "figures").glob("fig*.py")}
    assert scripts == {module for module, _ in FIGURES.values()}, "every figure script is in FIGURES"


def test_paper_and_readme_refer_only_to_built_figures():
    modules = {module for module, _ in FIGURES.values()}
    paper = (REPO / "paper" / "paper.md").read_text()
    referenced = set(re.findall(r"paper/build/(fig\d+_[a-z0-9_]+)\.(?:png|csv)", paper))
    assert referenced, "the paper refers to its figures by file"
    for stem in referenced:  # a figure's PNG or CSV, or a second CSV named <module>_<what>
        assert any(stem == m or stem.startswith(f"{m}_") for m in modules), f"no script writes {stem}"
    assert all(f"paper/build/{m}.png" in paper for m in modules), "the paper shows every figure"
    readme = (REPO / "paper" / "README.md").read_text()
    for module in modules:
        assert str(script_path(module)) in readme


@pytest.mark.slow
def test_key_numbers_table_traces_every_number_to_a_figure_csv(built):
    out, outputs = built
    table = pl.read_csv(out / "key_numbers.csv")
    assert table.height >= 10
    written = {Path(p).name for paths in outputs.values() for p in paths}
    assert set(table["source"].to_list()) <= written
    values = table["value"].drop_nulls()
    assert values.len() > 0 and values.is_finite().all()
    assert "# Table 1" in (out / "key_numbers.md").read_text()
