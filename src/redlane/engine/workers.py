"""Worker processes for CPU-bound work that Python runs on one core (normalisers, CSV parsing)."""

from __future__ import annotations

import multiprocessing
import sys
from typing import Any


def worker_context(*preload: str) -> Any:
    """A start method that never forks this process, which holds DuckDB connections.

    forkserver forks each worker from a clean server process; preloading the main module and
    ``preload`` (the modules whose functions the workers run) there means the imports are paid
    once per parent process, not once per worker (under spawn every worker re-imports
    ``__main__``: all of the CLI for ``redlane resolve``).
    """
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    main_spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    modules = ["__main__", *preload]
    if main_spec is not None and not main_spec.name.endswith("__main__"):
        modules.append(main_spec.name)  # run with -m: children re-run it by name
    ctx.set_forkserver_preload(modules)
    return ctx
