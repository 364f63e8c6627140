"""Kernels forked from a warm process (toolkit/serve/kernels.py), side by side with kernels
started as new Pythons: real kernels, real widgets, memory from /proc."""

from __future__ import annotations

import asyncio
import time

import psutil
import pytest
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import KernelProvisionerFactory

from tests.browser import FORM_COMPETENCIES, TEST_SESSIONS
from toolkit.serve.kernels import PROVISIONER_NAME, ForkedProvisioner, start_fork_server

# a form's kernel as a visitor uses it: the form's imports and a widget's comm answering
WIDGET_ROUND_TRIP = """
import ipywidgets, comm
from toolkit.reflect.form import open_form
manager = comm.get_comm_manager()
assert "jupyter.widget.control" in manager.targets, sorted(manager.targets)
slider = ipywidgets.IntSlider(3)
print("widget", slider.model_id)
"""


async def _kernel(provisioner: str, code: str = WIDGET_ROUND_TRIP) -> tuple[float, dict, str]:
    KernelProvisionerFactory.instance().default_provisioner_name = provisioner
    started = time.perf_counter()
    manager = AsyncKernelManager(kernel_name="python3", transport="ipc")
    await manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=120)
        out: list[str] = []
        reply = await client.execute_interactive(
            code,
            timeout=120,
            output_hook=lambda m: (
                out.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None
            ),
        )
        seconds = time.perf_counter() - started
        assert reply["content"]["status"] == "ok", reply["content"]
        memory = psutil.Process(manager.provisioner.pid).memory_full_info()
        kind = type(manager.provisioner).__name__
        return seconds, {"uss": memory.uss, "pss": memory.pss}, kind + "".join(out)
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=False)
        KernelProvisionerFactory.instance().default_provisioner_name = "local-provisioner"


# what a preheated form's kernel runs (notebooks/reflection.ipynb), then the form a visitor gets
PREHEATED_FORM = """
import sys
before = set(sys.modules)
from toolkit.reflect.form import open_form, warm_store
store = warm_store({store!r})
import voila.utils  # what url_parameters() imports under Voila to wait for the visitor's link
form = open_form({session!r}, {competencies!r}, "ar", {store!r})
print("form", type(form).__name__, "new modules", sorted(set(sys.modules) - before))
"""


def test_a_forked_form_kernel_imports_nothing_of_its_own(tmp_path):
    """Whatever a form's kernel imports after the fork is memory it owns alone (voila.utils
    alone brought about 20 MB: jupyter_server, nbconvert, bleach), so the fork server imports
    it all first; a new import on the form's way shows here."""
    from toolkit.reflect.store import upgrade_schema

    store = f"sqlite:///{tmp_path}/reflections.sqlite"
    upgrade_schema(store).engine.dispose()
    start_fork_server()
    _, _, out = asyncio.run(
        _kernel(
            PROVISIONER_NAME,
            PREHEATED_FORM.format(
                store=store, session=TEST_SESSIONS[0], competencies=",".join(FORM_COMPETENCIES)
            ),
        )
    )
    assert "form ReflectionForm new modules []" in out, out


@pytest.mark.timeout(600)
def test_a_forked_kernel_runs_widgets_starts_faster_and_owns_less_memory():
    start_fork_server()
    asyncio.run(_kernel(PROVISIONER_NAME))  # the fork server's imports, once, as at start
    forked, started = [], []
    for _ in range(3):  # in turns: a loaded machine slows both alike
        forked.append(asyncio.run(_kernel(PROVISIONER_NAME)))
        started.append(asyncio.run(_kernel("local-provisioner")))
    assert all(kind.startswith(ForkedProvisioner.__name__) for _, _, kind in forked)
    assert all("widget" in kind for _, _, kind in forked + started)  # comm targets are there
    fork_s = min(s for s, _, _ in forked)
    start_s = min(s for s, _, _ in started)
    # memory the kernel owns alone (USS), and its share of what it shares (PSS)
    fork_uss = max(m["uss"] for _, m, _ in forked)
    start_uss = min(m["uss"] for _, m, _ in started)
    fork_pss = max(m["pss"] for _, m, _ in forked)
    start_pss = min(m["pss"] for _, m, _ in started)
    print(
        f"forked: {fork_s:.2f} s, USS {fork_uss / 2**20:.0f} MB, PSS {fork_pss / 2**20:.0f} MB; "
        f"started: {start_s:.2f} s, USS {start_uss / 2**20:.0f} MB, PSS {start_pss / 2**20:.0f} MB"
    )
    assert fork_s < 0.6 * start_s
    assert fork_uss < 0.6 * start_uss
    # a lone forked kernel splits the pages it shares with the fork server alone (which holds
    # more than a kernel imports: voila.utils for the form), so its PSS is only somewhat less;
    # under a crowd they are split among every kernel (benchmarks/crowd.py: 50 MB each)
    assert fork_pss < start_pss


# a server in a few lines: the fork server, one forked kernel, then it waits to be killed
KILLED_SERVER = """
import asyncio, multiprocessing.forkserver, sys, time
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import KernelProvisionerFactory
from toolkit.serve.kernels import PROVISIONER_NAME, start_fork_server

async def main():
    start_fork_server()
    KernelProvisionerFactory.instance().default_provisioner_name = PROVISIONER_NAME
    manager = AsyncKernelManager(kernel_name="python3", transport="ipc")
    await manager.start_kernel()
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=120)
    fork_server = multiprocessing.forkserver._forkserver._forkserver_pid
    print(fork_server, manager.provisioner.pid, flush=True)
    time.sleep(600)

asyncio.run(main())
"""


@pytest.mark.timeout(300)
def test_a_killed_server_leaves_neither_its_fork_server_nor_its_kernels(tmp_path):
    """Every forked child used to hold the pipe whose closing stops the fork server, and the
    kernel stops only when the fork server does: a server killed (or crashed) left both running
    for good, with the resource tracker."""
    import os
    import signal
    import subprocess
    import sys

    from toolkit.core.paths import PROJECT_ROOT

    server = subprocess.Popen(
        [sys.executable, "-c", KILLED_SERVER],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    everything: list[psutil.Process] = []
    try:
        pids = [int(pid) for pid in server.stdout.readline().split()]
        assert len(pids) == 2, pids
        everything = psutil.Process(server.pid).children(recursive=True)
        assert {p.pid for p in everything} >= set(pids)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(30)
        # the fork server sees the pipe close at once; the kernel polls its parent every second
        gone, alive = psutil.wait_procs(everything, timeout=60)
        alive = [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]
        assert not alive, [" ".join(p.cmdline())[:80] for p in alive]
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        for process in everything:  # what a failure left behind, not to burden later tests
            try:
                process.kill()
            except psutil.Error:
                pass


def test_the_culler_passes_over_a_kernel_listed_before_its_start_is_recorded():
    """jupyter_server lists a kernel as soon as it is ready and records its start (last
    activity) a moment later; a culling round in between read the unset time and logged an
    error, which forked kernels (ready in milliseconds, many at once) made frequent."""
    from jupyter_server.services.kernels.kernelmanager import ServerKernelManager

    from toolkit.serve.kernels import RoomKernelManager

    manager = RoomKernelManager()
    manager._kernels["listed"] = ServerKernelManager(kernel_name="python3")
    assert asyncio.run(manager.cull_kernel_if_idle("listed")) is None
    assert "listed" in manager._kernels  # not culled either


def test_the_culler_passes_over_a_kernel_shut_down_since_it_was_listed():
    """A visitor's page that leaves shuts its kernel; a culling round that listed it a moment
    before then looked it up and logged a KeyError as an ERROR (seen in the crowd benchmark)."""
    from toolkit.serve.kernels import RoomKernelManager

    manager = RoomKernelManager()
    assert asyncio.run(manager.cull_kernel_if_idle("gone")) is None
