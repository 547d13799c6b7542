"""Every notebook: committed without outputs, parameterised, and executed in the smoke profile.

The smoke runs use the synthetic fixture data and the offline models only, so they pass with no
network and no mirror. The executed copies land in _build/executed/ and their results in
_build/results/, from which CI builds the HTML book.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from course_utils import profiles
from notebook_runner import RESULTS, book_notebooks, chapter_key, chapter_notebooks, execute, stored_outputs

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
        record = json.loads((RESULTS / f"{key}.json").read_text(encoding="utf-8"))
        assert record["profile"] == "smoke" and record["finished"]
        assert record["metrics"], f"{notebook.name} recorded no figures"
        # a range whose name the notebook never records would never be checked
        for profile in profiles.PROFILES:
            expect = profiles.chapter_settings(key, profile).get("expect", {})
            unrecorded = sorted(set(expect) - set(record["metrics"]))
            assert not unrecorded, f"[{key}.{profile}.expect] names figures the notebook does not record: {unrecorded}"
