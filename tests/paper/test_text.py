"""The paper's text: every number through the key table, one section and a figure per model, every key it
names in the key table, and the figure list in paper/README.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

from paper.make_paper import FIGURES, README, README_BEGIN, README_BLOCKS, README_END
from sim.scenario import model_names

REPO = Path(__file__).resolve().parents[2]
TYPST = REPO / "paper" / "typst"
SECTIONS = TYPST / "sections"
#: registered models that exist to test the machinery, not to answer a question (customs_classes: the
#: monitored priority queue against Cobham's waits, behind the logistics model's two parcel classes)
TEST_MODELS = {"ishigami", "customs_classes"}
QUESTION_SUBSECTIONS = ["Question", "Model", "Calibration and sources", "Validation", "Results", "Limitations"]
KEY_CALL = re.compile(r'#(?:num|ci)\("([^"]+)"\)')


def _strip_marked(text: str, marker: str = "#name[") -> str:
    """`text` without each `#name[...]` (brackets may nest)."""
    out, index = [], 0
    while (start := text.find(marker, index)) >= 0:
        out.append(text[index:start])
        depth, position = 1, start + len(marker)
        while depth and position < len(text):
            depth += {"[": 1, "]": -1}.get(text[position], 0)
            position += 1
        index = position
    return "".join(out) + text[index:]


def stray_digits(text: str) -> list[str]:
    """Digits in a section's text other than in #num/#ci calls, #name[...], years and quarters, labels,
    references and citations (with their supplements), file names of imports and figures, and comments."""
    text = re.sub(r"//[^\n]*", "", text)
    text = KEY_CALL.sub("", text)
    text = _strip_marked(text)
    text = re.sub(r'#(?:import|include)\s+"[^"]*"|#paper-figure\("[^"]*"', "", text)
    text = re.sub(r"@[\w.:-]+(?:\[[^\]]*\])?", "", text)
    text = re.sub(r"<[\w.:-]+>", "", text)
    text = re.sub(r"\b(?:1[89]|20)\d\d(?:Q[1-4])?\b", "", text)
    return re.findall(r"[^\W\d_]*\d[\w.,%]*", text)


def test_the_digit_rule_catches_a_typed_number():
    assert stray_digits("costs EUR 4.52 per parcel") == ["4.52"]
    assert stray_digits("p95 of the wait") == ["p95"]
    assert stray_digits('in 2024Q1 and 2026 @law2015[ch. 10] #num("a.b1") #name[M/M/4] <fig-a1>') == []


def test_sections_hold_no_number_outside_the_key_table():
    for path in sorted(SECTIONS.glob("*.typ")):
        assert stray_digits(path.read_text()) == [], f"{path.name}: numbers typed into the text"


def test_every_model_has_a_section_with_the_six_parts_and_a_figure():
    main = (TYPST / "main.typ").read_text()
    for model in sorted(set(model_names()) - TEST_MODELS):
        section = SECTIONS / f"{model}.typ"
        assert section.is_file(), f"model {model} has no section {section.relative_to(REPO)}"
        assert f'#include "sections/{model}.typ"' in main
        assert re.findall(r"^== (.+)$", section.read_text(), re.M) == QUESTION_SUBSECTIONS, section.name
        assert any(figure.model == model for figure in FIGURES.values()), f"model {model} has no figure"


def test_every_figure_is_shown_and_listed():
    text = "".join(p.read_text() for p in SECTIONS.glob("*.typ"))
    readme = (REPO / "paper" / "README.md").read_text()
    scripts = {p.stem for p in (REPO / "paper" / "figures").glob("fig*.py")}
    assert scripts == {figure.module for figure in FIGURES.values()}, "every figure module is in FIGURES"
    for figure in FIGURES.values():
        assert f'#paper-figure("{figure.label}"' in text, f"{figure.module} is not in the paper"
        assert str(figure.script) in readme
        module = (REPO / figure.script).read_text()
        for contract in ("def data(cache: ResultCache) -> dict[str, pl.DataFrame]:",
                         "def plot(frames: dict[str, pl.DataFrame]) -> Figure:",
                         "def main(out_dir: Path, quick: bool = False) -> list[Path]:"):
            assert contract in module, f"{figure.module}: {contract}"
        assert "pyplot" not in module


def test_every_key_the_text_and_readme_name_is_in_the_key_table(built):
    keys = json.loads((built.out_dir / "key_table.json").read_text())
    named = {key for path in TYPST.rglob("*.typ")
             for key in KEY_CALL.findall(re.sub(r"//[^\n]*", "", path.read_text()))}
    for template, _, _ in README_BLOCKS:
        named |= set(re.findall(r"\{([a-z0-9_.]+)(?::ci)?\}", template.read_text()))
    assert named and named - set(keys) == set()


def test_the_readme_has_the_first_answers_block():
    text = README.read_text()
    assert text.count(README_BEGIN) == 1 and text.count(README_END) == 1
    block = text.split(README_BEGIN)[1].split(README_END)[0]
    assert "{" not in block, "the block is filled, not the template"


def _slot_pattern(template: str) -> re.Pattern:
    """A regex of a README template, whitespace-insensitive: its text literally, each `{key}` one slot that
    holds a key-table text: numbers, signs, intervals, quarters and the words a key's unit adds."""
    parts = re.split(r"\{[a-z0-9_.]+(?::ci)?\}", " ".join(template.split()))
    literal = [re.escape(part).replace(r"\ ", r"\s*") for part in parts]
    slot = (r"(?:\[[^\]\s]+, [^\]\s]+\]"  # an interval
            r"|\d{4}Q\d [^\s,]+(?:, \d{4}Q\d [^\s,]+)*"  # held-out errors by quarter
            r"|none|\d{4}Q\d"  # no value; a quarter
            r"|[^\sA-Za-z]+(?:fold)?(?: points)?)")  # a number, with its unit's word
    return re.compile(r"\s*" + slot.join(literal) + r"\s*", re.S)


def test_the_digit_slots_catch_a_hand_typed_number():
    pattern = _slot_pattern("orders {a} {a:ci} in 2024")
    assert pattern.fullmatch(" ".join("orders +9.8% [9.4, 10.2] in 2024".split()))
    assert not pattern.fullmatch("orders +9.8% [9.4, 10.2] in 2025")  # a number outside a slot


def test_every_readme_number_is_written_from_the_key_table():
    """Each generated block of the README is its template filled: every number in it stands in a slot that
    the build fills from the key table, and no text was edited by hand (`make paper --readme` writes them)."""
    text = README.read_text()
    for template, begin, end in README_BLOCKS:
        assert text.count(begin) == 1 and text.count(end) == 1, template.name
        block = text.split(begin)[1].split(end)[0]
        assert "{" not in block, "the block is filled, not the template"
        flat = " ".join(block.split())
        assert _slot_pattern(template.read_text()).fullmatch(flat), \
            f"README.md: the block of {template.name} is not its template filled (edited by hand?)"
