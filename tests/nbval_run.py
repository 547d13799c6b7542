"""nbval as the notebook tests run it: ``python tests/nbval_run.py <pytest arguments>``.

nbval 0.11 sends every cell to the kernel with ``store_history=False``, where IPython does not
see a cell's trailing ``;`` and shows the value it should hide (e.g. ``run.finish();``), an
output that the stored run does not have (nbval issue #194, IPython issue #14162). papermill, which
made the stored run, executes cells with ``store_history=True``; here nbval does the same, so that
every cell runs as it did in the smoke run. Nothing else of nbval changes.
"""

from __future__ import annotations

import sys

import pytest


def execute_cell_input(self, cell_input, allow_stdin=None):
    """nbval's own, with the history stored as papermill (nbclient) stores it."""
    return self.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin, stop_on_error=False)


class StoreHistory:
    """Patches nbval once pytest has loaded it (importing it earlier would keep pytest from
    rewriting its asserts, with a warning)."""

    @staticmethod
    def pytest_configure(config):
        from nbval.kernel import RunningKernel

        RunningKernel.execute_cell_input = execute_cell_input


if __name__ == "__main__":
    sys.exit(pytest.main(sys.argv[1:], plugins=[StoreHistory()]))
