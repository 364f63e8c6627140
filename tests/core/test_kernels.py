"""Kernels the toolkit starts talk over local sockets: a facilitator sees no warning about
unencrypted TCP, and no other user of the machine can connect to them."""

import json
import subprocess
import sys
import textwrap

import nbformat

RUN = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import papermill

    from toolkit.core.notebooks import execute_to_html
    from toolkit.plan import warm_engine

    folder = Path(sys.argv[1])
    execute_to_html(folder / "probe.ipynb", folder / "plain", {}, progress=False)
    papermill.execute_notebook(
        str(folder / "probe.ipynb"), str(folder / "warm.ipynb"),
        engine_name=warm_engine.ENGINE_NAME, progress_bar=False,
    )
    warm_engine.WarmKernelEngine.shutdown()
    """
)


def _transport(executed) -> str:
    outputs = nbformat.read(executed, as_version=4).cells[0].outputs
    return json.loads("".join(o.get("text", "") for o in outputs))["transport"]


def test_notebook_runs_use_ipc_and_print_no_tcp_warning(tmp_path):
    probe = nbformat.v4.new_notebook()
    probe.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    probe.cells = [
        nbformat.v4.new_code_cell(
            "import json\nfrom ipykernel.kernelapp import IPKernelApp\n"
            "print(json.dumps({'transport': IPKernelApp.instance().transport}))"
        )
    ]
    nbformat.write(probe, tmp_path / "probe.ipynb")
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    assert "without encryption" not in said and "eavesdropping" not in said, said
    assert _transport(tmp_path / "plain" / "probe.ipynb") == "ipc"
    assert _transport(tmp_path / "warm.ipynb") == "ipc"
    assert not [p.name for p in tmp_path.iterdir() if "ipc" in p.name]  # no sockets left here
