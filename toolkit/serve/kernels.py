"""Kernels forked from a warm process: each visitor's kernel starts in milliseconds and shares
the memory of what every kernel imports.

A fresh kernel is a new Python that imports ipykernel, the widgets and the form's code (about a
second of CPU and 70 MB each). ``cct serve`` instead keeps one process (Python's
``multiprocessing`` fork server) that has imported them once, and forks it for every kernel:
the child is an ordinary ipykernel on its own connection file, started at once, and its
imported modules stay in pages shared with the fork server until written to. So a crowd costs
the machine a fraction of the memory and CPU, and the preheated pool refills as fast as people
arrive.

Used through jupyter_client's provisioner mechanism (the ``cct-forked`` entry point), set as
the default provisioner by ``cct serve`` only; papermill and the tests' other kernels are
ordinary processes.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

PROVISIONER_NAME = "cct-forked"
# what every kernel imports (the participants' form among them), imported once in the fork server
# ("__main__": the server's own script, once, not in every child; this module last: importing
# it in the fork server freezes what is imported by then)
PRELOAD = (
    "__main__",
    "ipykernel.kernelapp",
    # what a kernel imports as it starts (its debugger, history, magics)
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "debugpy.server.api",
    "IPython.core.debugger",
    "IPython.core.completerlib",
    "IPython.extensions.storemagic",
    "sqlite3",
    "tornado.queues",
    # what a preheated form imports to wait for its visitor's link (voila.utils brings
    # jupyter_server, nbconvert and bleach: about 20 MB a kernel would otherwise own)
    "voila.utils",
    "babel.numbers",
    "toolkit.reflect.form",
    "toolkit.serve.kernels",
)


def _context() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    return context


def _nothing() -> None:
    """A first child, forked to know the fork server is ready."""


def start_fork_server() -> None:
    """Start the fork server and wait until it has imported :data:`PRELOAD` (a few seconds,
    as the server starts), so the first kernels are forked at once, not while it imports:
    a kernel that waited that long could be culled as idle before it ran."""
    # what ipykernel's own kernel spec sets: no warning about frozen modules from its debugger
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    first = _context().Process(target=_nothing, daemon=True)
    first.start()
    first.join()


def _warm_fork_server() -> None:
    """In the fork server: read once what every form reads (the framework, the translations),
    then move it all out of the garbage collector's reach, so a child's collections do not
    write to (and so copy) the pages it shares."""
    from toolkit.core.framework import default_framework
    from toolkit.core.i18n import LANGUAGES, translator

    default_framework()
    for lang in LANGUAGES:
        translator(lang)
    gc.collect()
    gc.freeze()


def _let_go_of_the_server() -> None:
    """In the forked child: close the server's pipes that the fork server hands every child.

    The fork server stops when the last holder of the server's "alive" pipe closes it, and the
    kernel stops when the fork server is gone (its ``parent_handle``). A kernel holding that pipe
    kept the fork server alive, and so itself: a server that crashed or was killed left every
    kernel, the fork server and the resource tracker running for good."""
    from multiprocessing import forkserver, resource_tracker

    server, tracker = forkserver._forkserver, resource_tracker._resource_tracker
    for owner, attribute in ((server, "_forkserver_alive_fd"), (tracker, "_fd")):
        fd = getattr(owner, attribute, None)
        if fd is not None:
            os.close(fd)
            setattr(owner, attribute, None)


def _kernel_main(argv: list[str], env: dict[str, str], cwd: str) -> None:
    """In the forked child: become the kernel ``argv`` describes, in ``env`` and ``cwd``."""
    os.setsid()  # its own process group, as a launched kernel has: interrupts reach it alone
    _let_go_of_the_server()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    # the kernel stops by itself if the fork server (and so the server) is gone
    argv = [
        *argv,
        f"--IPKernelApp.parent_handle={os.getppid()}",
        # ipywidgets registers its comm targets when imported in a kernel; here it was imported
        # before the kernel existed, so it does so as the IPython extension it also is
        "--IPKernelApp.extensions=ipywidgets",
    ]
    sys.argv = [sys.executable, "-m", "ipykernel_launcher", *argv]
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(argv=argv)


class ForkedProcess:
    """The part of :class:`subprocess.Popen` a provisioner uses, for a forked kernel."""

    stdin = stdout = stderr = None

    def __init__(self, process: multiprocessing.Process):
        self._process = process
        self.pid = process.pid

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int | None:
        self._process.join(timeout)
        return self._process.exitcode

    def send_signal(self, signum: int) -> None:
        if self._process.exitcode is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkedProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with the kernel forked instead of started."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        # cmd is the kernel spec's argv: [python, -m, ipykernel_launcher, -f, <connection file>]
        if "-m" not in cmd or cmd[cmd.index("-m") + 1] != "ipykernel_launcher":
            return await super().launch_kernel(cmd, **kwargs)
        argv = cmd[cmd.index("-m") + 2 :]
        env = dict(kwargs.get("env") or os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        process = _context().Process(target=_kernel_main, args=(argv, env, cwd), daemon=False)
        # on the event loop, not in a thread: multiprocessing's bookkeeping of children is not
        # thread-safe. A few milliseconds, as the fork server is ready (start_fork_server)
        process.start()
        self.process = ForkedProcess(process)
        self.pid = process.pid
        self.pgid = None  # the child makes its own group; never signal the fork server's
        self.cwd = cwd
        return self.connection_info


def _in_fork_server() -> bool:
    # the fork server is `python -c "from multiprocessing.forkserver import main; main(…)"`
    return sys.argv[:1] == ["-c"] and "multiprocessing.forkserver" in sys.modules


if _in_fork_server():
    _warm_fork_server()


# a kernel still starting after this long is stuck, and culled like an idle one
STARTING_GRACE_SECONDS = 300


class RoomKernelManager(AsyncMappingKernelManager):
    """jupyter_server's kernel manager, whose culler leaves kernels that are still starting or
    already gone.

    A kernel is listed from the moment it is launched, and a busy machine can take longer to
    start one than the idle time after which a kernel is culled; a preheated kernel culled
    then (before Voila counts it in its pool) leaves the visitor who takes it a dead page.
    """

    async def cull_kernel_if_idle(self, kernel_id: str):
        kernel = self._kernels.get(kernel_id)
        if kernel is None:
            # shut down between the culler's listing and this check (a visitor's page that
            # left asked for it): the base class looks it up and logs a KeyError as an error
            return None
        if not kernel.trait_has_value("last_activity"):
            # listed as it became ready, its start not yet recorded (jupyter_server sets
            # last_activity a moment later): reading it now raises, and the culler logs an error
            return None
        if getattr(kernel, "execution_state", None) == "starting":
            started = getattr(kernel, "last_activity", None)
            if started is not None and datetime.now(UTC) - started < timedelta(
                seconds=STARTING_GRACE_SECONDS
            ):
                return None
        return await super().cull_kernel_if_idle(kernel_id)
