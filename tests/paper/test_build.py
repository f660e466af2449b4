"""The quick build end to end: a PDF with every figure and Table 1, every figure's files, the lock, a rebuild
from the cache, a cached result that changes the text, and bad input that leaves earlier builds intact."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

import polars as pl
import pytest

import paper.cache
import paper.calibration_table
import paper.validation_table
import paper.uncertainty
import paper.make_paper as make_paper
from paper.make_paper import FIGURES, LOCK, PDF, build, main
from tests.paper.conftest import pdf_text

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def outputs_digest(out: Path) -> dict[str, str]:
    """Every file of a build except the cache."""
    return {str(p.relative_to(out)): digest(p) for p in sorted(out.rglob("*"))
            if p.is_file() and "cache" not in p.relative_to(out).parts}


def query(out: Path, selector: str) -> list[dict]:
    import typst

    return json.loads(typst.query(str(out / "typst" / "main.typ"), selector, root=str(out), format="json",
                                  ignore_system_fonts=True))


def test_quick_build_gives_a_pdf_with_every_figure_and_table1(built):
    pdf = built.out_dir / PDF
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000
    images = query(built.out_dir, "figure.where(kind: image)")
    # in the order of FIGURES, so that the PDF's "Figure N" is the module figN_...
    assert [f["body"]["source"] for f in images] == [f"/{FIGURES[n].module}.pdf" for n in sorted(FIGURES)]
    text = " ".join(pdf_text(pdf).split())  # a justified caption line may be extracted with doubled spaces
    for number in FIGURES:
        assert f"Figure {number}:" in text, f"the caption of figure {number} is not in the PDF"
    assert "Table 1: Key numbers" in text
    table1 = pl.read_csv(built.out_dir / "key_numbers.csv")
    assert table1.height >= 10
    def letters(value: str) -> str:  # a label wraps in its cell, and a wrapped word may be hyphenated
        return re.sub(r"[\s\-\u2010]", "", value)

    for quantity in table1["table1"].to_list():  # every row of Table 1, by the start of its label
        assert letters(quantity.split(",")[0]) in letters(text)


@pytest.mark.parametrize("number", sorted(FIGURES))
def test_figure_writes_png_pdf_and_finite_numbers(built, number):
    module = FIGURES[number].module
    paths = built.outputs[number]
    assert [p.name for p in paths[:2]] == [f"{module}.png", f"{module}.pdf"]
    assert paths[0].read_bytes()[:8] == PNG_MAGIC and paths[0].stat().st_size > 10_000
    assert paths[1].read_bytes()[:5] == b"%PDF-"
    tables = paths[2:]
    assert tables and all(p.suffix == ".csv" and p.name.startswith(module) for p in tables)
    for table in tables:
        frame = pl.read_csv(table, infer_schema_length=None)
        assert frame.height > 0
        for name, dtype in frame.schema.items():
            if dtype.is_numeric():
                values = frame.get_column(name).drop_nulls().cast(pl.Float64)
                assert values.len() > 0 and values.is_finite().all(), f"{table.name}: {name}"


def test_quick_intervals_are_the_right_way_round(built):
    frame = pl.read_csv(built.out_dir / "fig1_customs_validation.csv")
    assert ((frame["ci_low"] <= frame["simulated_mean"]) & (frame["simulated_mean"] <= frame["ci_high"])).all()


def test_lock_holds_hashes_of_csv_and_png_and_the_cache_keys(built):
    lock = json.loads((built.out_dir / LOCK).read_text())["figures"]
    assert sorted(lock) == sorted(f.module for f in FIGURES.values())
    for module, entry in lock.items():
        for name, sha in entry["files"].items():
            assert Path(name).suffix in (".csv", ".png")
            assert sha == digest(built.out_dir / name)
        assert entry["runs"], f"{module} read no run"
        for run in entry["runs"]:  # a scenario run (a run folder) or a table (`ResultCache.table`, one file)
            assert ((built.out_dir / "cache" / run["key"] / "manifest.json").is_file()
                    or (built.out_dir / "cache" / f"{run['key']}.parquet").is_file())
    assert "second" not in (built.out_dir / LOCK).read_text()  # no timings


def test_rebuild_reproduces_the_lock_and_simulates_nothing(built, monkeypatch):
    lock = (built.out_dir / LOCK).read_bytes()

    def no_simulation(*args, **kwargs):
        raise AssertionError("the rebuild ran a simulation")

    monkeypatch.setattr(paper.cache, "run_scenario", no_simulation)
    monkeypatch.setattr(paper.validation_table, "run_validation", no_simulation)  # Table 2
    monkeypatch.setattr(paper.calibration_table.calibration, "predictions", no_simulation)  # Table 3
    monkeypatch.setattr(paper.uncertainty, "run_scenario", no_simulation)  # Table 1's bands, figure 11
    again = build(built.out_dir, quick=True)
    assert again.cache.misses == 0 and len(again.cache.used) == len(built.cache.used)
    assert (built.out_dir / LOCK).read_bytes() == lock


def test_an_edited_cached_result_changes_the_pdf_text(built, tmp_path):
    """Multiply the cost per parcel of one cached run (the EU-duty chain) by 10: the rebuilt paper prints
    the new mean, ten times the old one."""
    out = tmp_path / "build"
    shutil.copytree(built.out_dir, out)
    runs = json.loads((out / LOCK).read_text())["figures"]["fig6_eu_duty_cost"]["runs"]
    key = next(r["key"] for r in runs if r["scenario"] == "aliexpress_spain_5day_eu_duty_2026")
    summary_path = out / "cache" / key / "summary.parquet"
    summary = pl.read_parquet(summary_path)
    old_mean = summary.filter(pl.col("metric") == "cost_per_parcel_eur")["value"].mean()
    summary.with_columns(pl.when(pl.col("metric") == "cost_per_parcel_eur").then(pl.col("value") * 10)
                         .otherwise(pl.col("value")).alias("value")).write_parquet(summary_path)
    before = pdf_text(out / PDF)
    report = build(out, quick=True)
    assert report.cache.misses == 0
    after = pdf_text(out / PDF)
    old_text, new_text = f"EUR {old_mean:.2f}", f"EUR {10 * old_mean:.2f}"
    assert old_text in before and new_text not in before
    assert new_text in after and old_text not in after


def run_main(argv: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    return exit_info.value.code, capsys.readouterr().err


def test_unknown_figure_in_only_exits_2_and_changes_nothing(built, capsys):
    before = outputs_digest(built.out_dir)
    code, err = run_main(["--quick", "--out", str(built.out_dir), "--only", "fig9_nothing"], capsys)
    assert code == 2 and err.count("\n") == 1 and "fig9_nothing" in err
    assert outputs_digest(built.out_dir) == before


def test_unwritable_output_folder_exits_3(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    code, err = run_main(["--quick", "--out", str(blocker / "build")], capsys)
    assert code == 3 and err.count("\n") == 1 and "output folder" in err


def test_missing_typst_exits_3_and_changes_nothing(built, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "typst", None)  # `import typst` raises ImportError
    before = outputs_digest(built.out_dir)
    code, err = run_main(["--quick", "--out", str(built.out_dir)], capsys)
    assert code == 3 and err.count("\n") == 1 and "typst" in err
    assert outputs_digest(built.out_dir) == before


def test_a_failing_paper_leaves_the_earlier_build_intact(built, tmp_path, capsys, monkeypatch):
    """A text that names a key the table lacks fails the build (exit 2) after the figures ran; nothing of
    the earlier build changes."""
    source = tmp_path / "typst"
    shutil.copytree(make_paper.TYPST_SOURCE, source)
    abstract = source / "sections" / "abstract.typ"
    abstract.write_text(abstract.read_text() + '\n#num("no.such.key")\n')
    monkeypatch.setattr(make_paper, "TYPST_SOURCE", source)
    before = outputs_digest(built.out_dir)
    code, err = run_main(["--quick", "--out", str(built.out_dir)], capsys)
    assert code == 2 and "no.such.key" in err and err.count("\n") == 1
    assert outputs_digest(built.out_dir) == before
    assert not list(built.out_dir.glob(".staging-*"))
