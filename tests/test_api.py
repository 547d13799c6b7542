"""The package's public names are exactly the names the notebooks import, from one place."""

from __future__ import annotations

import ast

import course_utils
import nbformat
import pytest
from notebook_runner import book_notebooks, chapter_notebooks

NOTEBOOKS = chapter_notebooks() + book_notebooks()


def course_utils_imports(source: str) -> list[tuple[str, str]]:
    """(module, name) of each name that ``source`` imports from course_utils or a submodule of it."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "course_utils":
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names if alias.name.split(".")[0] == "course_utils"]
    return found


def imports_of(notebook) -> list[tuple[str, str]]:
    cells = nbformat.read(notebook, as_version=4).cells
    return [item for cell in cells if cell.cell_type == "code" for item in course_utils_imports(cell.source)]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_import_from_the_package_itself(notebook):
    elsewhere = [f"{module}.{name}".rstrip(".") for module, name in imports_of(notebook) if module != "course_utils" or not name]
    assert not elsewhere, f"{notebook.name} imports from a submodule (or the module itself): {elsewhere}"


def test_the_public_names_are_what_the_notebooks_import():
    imported = {name for notebook in NOTEBOOKS for _, name in imports_of(notebook)}
    exported = set(course_utils.__all__)
    assert exported == imported, (f"in __all__ but imported by no notebook: {sorted(exported - imported)}; "
                                  f"imported but not in __all__: {sorted(imported - exported)}")
    assert all(hasattr(course_utils, name) for name in exported)


def test_the_import_rule_finds_submodules():
    source = "from course_utils import fit\nfrom course_utils.training import predict\nimport course_utils.data\n%time x = 1"
    assert course_utils_imports(source) == [("course_utils", "fit"), ("course_utils.training", "predict"),
                                            ("course_utils.data", "")]
