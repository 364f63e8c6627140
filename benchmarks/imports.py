"""Start-up costs measured in fresh processes: ``import nbformat`` and the bundled framework.

nbformat imports jsonschema, which imports the optional ``rfc3987_syntax`` whenever it can; that
module builds a Lark grammar at import time. ``make install`` uninstalls it (see README,
Decisions). Both states are measured regardless of what the venv holds right now:

* *without*: the subprocess puts ``None`` in ``sys.modules['rfc3987_syntax']`` first, so the
  import fails exactly as when the package is not installed;
* *with*: the module as installed in the venv, or, when ``make install`` has removed it, a copy
  installed by pip into a temporary directory put on ``PYTHONPATH``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.measure import child_env, median, time_process

RUNS = 5
OPTIONAL = "rfc3987_syntax"
LOADED = f"import sys; print(sys.modules.get({OPTIONAL!r}) is not None)"
BLOCK = f"import sys; sys.modules[{OPTIONAL!r}] = None"


def _nbformat(prelude: str, env: dict | None = None) -> dict:
    code = "; ".join(filter(None, [prelude, "import nbformat", LOADED]))
    times, out = time_process([sys.executable, "-c", code], RUNS, env)
    return {"times": times, "median": median(times), "loaded": out.strip() == "True"}


def nbformat_import(tmp: Path) -> dict:
    """Median seconds of ``python -c "import nbformat"`` without and with rfc3987_syntax."""
    result = {"startup": median(time_process([sys.executable, "-c", "pass"], RUNS)[0])}
    result["without"] = _nbformat(BLOCK)
    if importlib.util.find_spec(OPTIONAL) is not None:
        result["with"] = _nbformat("")
        result["with_source"] = "installed in the venv"
        return result
    target = tmp / "rfc3987"
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--target", str(target), "rfc3987-syntax", "lark"],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    if pip.returncode != 0:
        lines = (pip.stderr or pip.stdout).strip().splitlines()
        result["skipped"] = "pip could not install rfc3987-syntax (offline?): " + (
            lines[-1] if lines else f"exit status {pip.returncode}"
        )
        return result
    result["with"] = _nbformat("", child_env(PYTHONPATH=str(target)))
    result["with_source"] = "pip-installed into a temporary PYTHONPATH directory"
    return result


FRAMEWORK_CODE = """
import time
start = time.perf_counter()
from toolkit.core.framework import default_framework
imported = time.perf_counter()
default_framework()
print(imported - start, time.perf_counter() - imported)
"""


def framework_load() -> dict:
    """Cold import of toolkit.core.framework and first default_framework() call, fresh processes."""
    imports, loads, walls = [], [], []
    for _ in range(3):
        times, out = time_process([sys.executable, "-c", FRAMEWORK_CODE], 1)
        imp, load = map(float, out.split())
        imports.append(imp)
        loads.append(load)
        walls.append(times[0])
    return {"import": median(imports), "load": median(loads), "process": median(walls)}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        print(nbformat_import(Path(tmp)))
    print(framework_load())
