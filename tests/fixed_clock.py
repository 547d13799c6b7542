"""A clock for the notebook tests' kernels, so that a duration the chapters print comes out the
same in every run.

The smoke runs and their re-runs under nbval (tests/test_notebooks.py) start their kernels with
this file as an IPython startup file (``IPYTHONDIR``). It replaces :func:`time.perf_counter`, with
which the chapters and ``course_utils`` measure every duration they print or record (seconds per
epoch, tokens per second, speed-ups, the wall time of ``run.finish()``): called from a notebook's
cells or from ``course_utils``, it returns a counter that advances 1 ms per such call in each
thread. A duration then counts the calls between its two ends, which the code and its fixed seeds
make the same in every run, so nbval can compare every table and sentence that shows one, and a
sentence that depends on which of two runs was faster always takes the same branch. Called from
any other module (a library measuring itself, e.g. numba, whose number of calls depends on
whether its compiled code was cached), it is the real clock. The smoke profile's figures are not
about speed, and its ranges check none.

``time.time`` (tqdm's bars, the Hugging Face Trainer) keeps the real clock: those outputs are
masked by tests/nbval_sanitize.cfg.
"""


def _install_fixed_clock() -> None:
    """Replace time.perf_counter (and _ns) by the counter (an IPython startup file runs in the
    notebook's namespace: nothing but this function's name is defined there, and it is removed)."""
    import sys
    import threading
    import time

    real_perf_counter, real_perf_counter_ns = time.perf_counter, time.perf_counter_ns
    tick_s = 0.001
    ticks = threading.local()

    def counted(caller) -> bool:
        name = caller.f_globals.get("__name__") or ""
        return name == "__main__" or name == "course_utils" or name.startswith("course_utils.")

    def perf_counter() -> float:
        """Called from the notebook or course_utils: the calls so far in this thread, times 1 ms."""
        if not counted(sys._getframe(1)):
            return real_perf_counter()
        ticks.n = getattr(ticks, "n", 0) + 1
        return ticks.n * tick_s

    def perf_counter_ns() -> int:
        if not counted(sys._getframe(1)):
            return real_perf_counter_ns()
        ticks.n = getattr(ticks, "n", 0) + 1
        return ticks.n * round(tick_s * 1e9)

    time.perf_counter = perf_counter
    time.perf_counter_ns = perf_counter_ns


_install_fixed_clock()
del _install_fixed_clock
