"""The results page's data: references.toml, targets and the per-chapter comparison rows."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from course_utils import results_page
from course_utils.results_page import Reference, ReferencesFileError, compare_chapter, parse_references

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {"book": {"title": "A book", "url": "https://example.org/book"}}


def _ref(label, value, metric=None, approx=False) -> Reference:
    return Reference("ch09", label, value, "A book", "https://example.org/book", approx, metric)


def test_the_project_references_parse_and_cite_their_sources():
    references = results_page.load_references()
    assert set(references) == {"ch02", "ch04", "ch05", "ch03"}
    assert len(references["ch02"]) == 6 and len(references["ch04"]) == 4 and len(references["ch05"]) == 4
    lr = references["ch02"][1]
    assert lr.value == (0.75, 0.80) and lr.formatted() == "0.75–0.8"
    assert references["ch03"][2].formatted() == "≈ 80"
    assert all(ref.url.startswith("https://") for refs in references.values() for ref in refs)
    assert len(results_page.reference_sources()) == 4


def _recorded_names(chapter: str) -> list[re.Pattern]:
    """The names the chapter's notebook records: run.record("name", ...) or run.record(f"{key}_acc", ...)."""
    notebooks = sorted((ROOT / "notebooks").glob(f"{chapter.removeprefix('ch')}_*.ipynb"))
    assert notebooks, f"no notebook for {chapter}"
    source = "\n".join(c.source for c in nbformat.read(notebooks[0], as_version=4).cells if c.cell_type == "code")
    patterns = []
    for is_f, name in re.findall(r'run\.record\(\s*(f?)"([^"]+)"', source):
        parts = re.split(r"\{[^}]*\}", name) if is_f else [name]
        patterns.append(re.compile(".+".join(re.escape(part) for part in parts)))
    return patterns


def test_every_referenced_metric_is_recorded_by_its_chapter():
    """A reference is matched by name: a name that the chapter never records is a typo."""
    for chapter, references in results_page.load_references().items():
        named = [ref for ref in references if ref.metric]
        if not named:
            continue
        patterns = _recorded_names(chapter)
        for ref in named:
            assert any(p.fullmatch(ref.metric) for p in patterns), (
                f"{chapter}: reference {ref.label!r} names metric {ref.metric!r}, which the chapter's "
                f"notebook does not record (run.record names: {[p.pattern for p in patterns]})"
            )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"label": "x", "value": 1, "source": "paper"}, "source 'paper' is not one of"),
        ({"label": "x", "value": [0.9, 0.1], "source": "book"}, r"number or \[low, high\]"),
        ({"label": "x", "value": "high", "source": "book"}, r"number or \[low, high\]"),
        ({"value": 1, "source": "book"}, "'label' and 'value' are required"),
        ({"label": "x", "value": 1, "source": "book", "metrc": "acc"}, r"unknown keys \['metrc'\]"),
    ],
)
def test_bad_entries_are_named(entry, message):
    with pytest.raises(ReferencesFileError, match=message):
        parse_references({"sources": SOURCES, "ch09": [entry]})


def test_rows_put_recorded_figures_first_then_targets_then_reference_only():
    record = {
        "metrics": {
            "dev_accuracy": {"value": 0.81, "unit": "", "expected": [0.7, 0.9]},
            "vocab_size": {"value": 1234, "unit": "語", "expected": None},
        }
    }
    refs = [_ref("LSTM", 0.84, "dev_accuracy", approx=True), _ref("CNN", 0.81), _ref("MLP", 0.82, "mlp_accuracy")]
    targets = {"dev_accuracy": (0.8, 0.9), "bleu": (20.0, 40.0)}
    rows = compare_chapter("ch09", record, refs, targets)
    assert [row.metric for row in rows] == ["dev_accuracy", "vocab_size", "bleu", "mlp_accuracy", None]
    dev, vocab, bleu, mlp, cnn = rows
    assert dev.recorded and dev.in_expected_range and dev.target == (0.8, 0.9)
    assert [ref.label for ref in dev.references] == ["LSTM"]
    assert vocab.unit == "語" and vocab.in_expected_range is None and vocab.target is None
    assert not bleu.recorded and bleu.target == (20.0, 40.0) and bleu.references == []
    assert not mlp.recorded and [ref.label for ref in mlp.references] == ["MLP"]
    assert cnn.metric is None and [ref.label for ref in cnn.references] == ["CNN"]


def test_a_value_outside_its_range_is_flagged():
    record = {"metrics": {"ppl": {"value": 300.0, "unit": "", "expected": [50, 200]}}}
    (row,) = compare_chapter("ch09", record, [], {})
    assert row.in_expected_range is False
    (text,) = compare_chapter("ch09", {"metrics": {"text": {"value": "shall", "expected": [0, 1]}}}, [], {})
    assert text.in_expected_range is None


def test_targets_come_from_the_full_target_table_and_are_checked():
    from course_utils.profiles import chapter_settings

    targets = results_page.chapter_targets("ch03")
    assert targets == {name: tuple(map(float, bounds)) for name, bounds in chapter_settings("ch03", "full").target.items()}
    assert targets["test_ppl_lstm"] == (1.0, 80.0)
    record = {"metrics": {"ppl": {"value": 120.0, "unit": "", "expected": [1, 300]}, "acc": {"value": 0.9, "unit": ""}}}
    ppl, acc = compare_chapter("ch09", record, [], {"ppl": (1.0, 105.0), "acc": (0.8, 1.0)})
    assert ppl.meets_target is False and acc.meets_target is True
    (unrecorded,) = compare_chapter("ch09", None, [], {"ppl": (1.0, 105.0)})
    assert unrecorded.meets_target is None


def test_a_chapter_without_results_still_lists_targets_and_references():
    rows = compare_chapter("ch09", None, [_ref("CNN", 0.81)], {"acc": (0.5, 1.0)})
    assert [(row.metric, row.recorded) for row in rows] == [("acc", False), (None, False)]
    assert results_page.chapter_targets("ch99") == {}


def test_formatting():
    assert results_page.format_value(0.823456) == "0.8235"
    assert results_page.format_value(112.345) == "112.3"
    assert results_page.format_value(21000) == "21,000"
    assert results_page.format_value("shall") == "shall"
    assert results_page.format_range((0.5, 1.0)) == "0.5–1"
    assert results_page.format_range(None) == "—"
