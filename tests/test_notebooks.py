"""Every notebook: committed without outputs, parameterised, and executed in the smoke profile.

The smoke runs use the synthetic fixture data and the offline models only, so they pass with no
network and no mirror. The executed copies land in _build/executed/ and their results in
_build/results/, from which CI builds the HTML book.

``make test-quick`` (``COURSE_TEST_QUICK=1``; offline, with a mirror) also runs every chapter in the quick
profile on the real data and checks each recorded figure against its measured quick range; it
takes about 20 minutes on 2 CPU cores, so ``make test`` leaves it out.
"""

from __future__ import annotations

import json
import os

import nbformat
import pytest
from course_utils import profiles
from notebook_runner import RESULTS, ROOT, book_notebooks, chapter_key, chapter_notebooks, execute, stored_outputs

CHAPTERS = chapter_notebooks()
ALL = CHAPTERS + book_notebooks()


def _id(path):
    return path.name


@pytest.mark.parametrize("notebook", ALL, ids=_id)
def test_committed_without_outputs(notebook):
    assert stored_outputs(notebook) == 0, f"{notebook.name} carries outputs: clear them before committing"


@pytest.mark.parametrize("notebook", CHAPTERS, ids=_id)
def test_chapter_has_a_profile_parameter_and_records_results(notebook):
    nb = nbformat.read(notebook, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "one cell tagged 'parameters' is needed for papermill"
    assert "profile = None" in tagged[0].source
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert f'start_chapter("{chapter_key(notebook)}"' in source
    assert ".finish()" in source


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", ALL, ids=_id)
def test_runs_in_the_smoke_profile(notebook, fixture_dir, tmp_path):
    env = {
        "COURSE_DATA_FIXTURES": str(fixture_dir),
        "COURSE_DATA_DIR": str(tmp_path / "cache"),
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    key = chapter_key(notebook)
    if key:
        (RESULTS / f"{key}.json").unlink(missing_ok=True)
    report = execute(notebook, "smoke" if key else None, env=env, results_dir=RESULTS)
    assert report.ok, f"{notebook.name} failed: {report.error}"
    if key:
        record = _check_record(key, "smoke")
        # a range or target whose name the notebook never records would never be checked
        for profile in profiles.PROFILES:
            for table in ("expect", "target"):
                names = profiles.chapter_settings(key, profile).get(table, {})
                unrecorded = sorted(set(names) - set(record["metrics"]))
                assert not unrecorded, f"[{key}.{profile}.{table}] names figures the notebook does not record: {unrecorded}"


def _check_record(key: str, profile: str) -> dict:
    """The finished record that chapter ``key`` wrote in ``profile``."""
    record = json.loads((RESULTS / f"{key}.json").read_text(encoding="utf-8"))
    assert record["profile"] == profile and record["finished"]
    assert record["metrics"], f"{key} recorded no figures"
    return record


@pytest.mark.quick
@pytest.mark.parametrize("notebook", CHAPTERS, ids=_id)
def test_meets_the_quick_ranges(notebook, real_mirror):
    if os.environ.get("COURSE_TEST_QUICK") != "1":
        pytest.skip("quick runs take about 20 minutes: run them with `make test-quick`")
    key = chapter_key(notebook)
    (RESULTS / f"{key}.json").unlink(missing_ok=True)
    # the real data: from the mirror when one is set (offline), else downloaded into the usual
    # cache (online: emotion then comes from the Hugging Face Hub)
    env = {"COURSE_DATA_DIR": str(ROOT / "data"), "TOKENIZERS_PARALLELISM": "false"}
    if real_mirror is not None:
        env.update(COURSE_DATA_MIRROR=str(real_mirror), HF_HUB_OFFLINE="1")
    report = execute(notebook, "quick", env=env, results_dir=RESULTS)
    assert report.ok, f"{notebook.name} failed: {report.error}"
    metrics = _check_record(key, "quick")["metrics"]
    expect = profiles.chapter_settings(key, "quick").get("expect", {})
    assert expect, f"[{key}.quick.expect] sets no ranges"
    for name, (low, high) in expect.items():
        assert name in metrics, f"{key} did not record {name}"
        value = metrics[name]["value"]
        assert low <= value <= high, f"{key}/{name} = {value}, outside the quick range [{low}, {high}]"
