"""A papermill engine that keeps one kernel per thread across notebooks.

Starting a kernel and importing pandas, matplotlib and the toolkit costs seconds; planning one
team costs a fraction of that. In a batch, each worker keeps its kernel (and client) alive
between notebooks and clears the user namespace (``%reset -f``, without its costly full garbage
collection) before each one, so every notebook still starts from an empty namespace while the
imported modules stay warm.

One kernel per *thread*, never shared: a Dask worker runs several tasks at once in threads
(``dask worker --nthreads``), and two notebooks interleaved on one kernel mix their messages.
A caller may tag the kernel with the code it must run (``kernel_tag``): a kernel started for
another tag (older toolkit code, already imported) is replaced, not reused.

Registered with papermill as ``cct_warm`` (also as an entry point), so
``papermill --engine cct_warm`` works too. Everything else is stock papermill and nbclient.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from dataclasses import dataclass
from multiprocessing import util as mp_util

from jupyter_client.manager import AsyncKernelManager
from nbclient.util import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

from toolkit.core.kernels import LocalKernelManager

ENGINE_NAME = "cct_warm"
logger = logging.getLogger("papermill")
# What ``%reset -f`` does before each notebook, minus the full garbage collection it runs every
# time: with pandas and matplotlib loaded that collection costs ~0.23 s of kernel CPU, a third
# of a plan's (the rest of the reset costs ~5 ms). Python's own generational collection still
# runs, and every FULL_RESET_EVERY notebooks the reset is the plain one, collection included.
LIGHT_RESET = """
def _cct_reset(shell, gc=__import__("gc")):
    collect = gc.collect
    gc.collect = lambda *args, **kwargs: 0
    try:
        shell.reset(new_session=False)
    finally:
        gc.collect = collect
_cct_reset(get_ipython())
"""
FULL_RESET = "get_ipython().run_line_magic('reset', '-f')"
FULL_RESET_EVERY = 25
# kept kernels write no IPython history: a batch's cells are not a person's typing, and every
# cell would otherwise be committed to one SQLite file in the home folder all kernels share
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]


@dataclass
class WarmKernel:
    """One thread's kept kernel: its manager, its client, and what it was started for."""

    km: AsyncKernelManager
    kernel_name: str
    tag: str | None
    kc: object | None = None
    notebooks_run: int = 0

    def alive(self) -> bool:
        return run_sync(self.km.is_alive)()

    def shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km.has_kernel:
            run_sync(self.km.shutdown_kernel)(now=True)
        self.kc = None


_local = threading.local()
_every_kernel: list[WarmKernel] = []  # all threads' kernels, stopped at process exit
_lock = threading.Lock()


def shutdown_all() -> None:
    """Stop every thread's kept kernel (at process exit, or when a caller is done)."""
    with _lock:
        kernels, _every_kernel[:] = list(_every_kernel), []
    for kernel in kernels:
        try:
            kernel.shutdown()
        except Exception:  # the process is ending: stop the others regardless
            logger.warning("could not stop a kept kernel", exc_info=True)


atexit.register(shutdown_all)
_finalizer_pid: list[int] = []


def _stop_at_process_exit() -> None:
    """Multiprocessing workers skip atexit: register with their own exit hook, once each."""
    if os.getpid() not in _finalizer_pid:
        _finalizer_pid[:] = [os.getpid()]
        mp_util.Finalize(None, shutdown_all, exitpriority=10)


class WarmKernelEngine(NBClientEngine):
    """NBClientEngine with a kernel that outlives each notebook, one per thread."""

    @staticmethod
    def current() -> WarmKernel | None:
        """This thread's kept kernel, if any."""
        return getattr(_local, "kernel", None)

    @classmethod
    def _ready_kernel(cls, kernel_name: str, tag: str | None) -> WarmKernel:
        kernel = cls.current()
        if kernel is not None and kernel.kernel_name == kernel_name and kernel.tag == tag:
            if kernel.kc is not None and kernel.alive():
                full = kernel.notebooks_run % FULL_RESET_EVERY == 0
                reply = run_sync(kernel.kc.execute_interactive)(
                    FULL_RESET if full else LIGHT_RESET, silent=True, timeout=60
                )
                if reply["content"]["status"] == "ok":
                    return kernel
        cls.shutdown()
        kernel = WarmKernel(LocalKernelManager(kernel_name=kernel_name), kernel_name, tag)
        _local.kernel = kernel
        with _lock:
            _every_kernel.append(kernel)
            _stop_at_process_exit()
        return kernel

    @classmethod
    def shutdown(cls) -> None:
        """Stop this thread's kept kernel (when it must be replaced, or when done)."""
        kernel = cls.current()
        if kernel is None:
            return
        _local.kernel = None
        with _lock:
            if kernel in _every_kernel:
                _every_kernel.remove(kernel)
        kernel.shutdown()

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        kernel_tag: str | None = None,
        **kwargs,
    ):
        kernel = cls._ready_kernel(kernel_name, kernel_tag)
        kwargs.pop("input_path", None)
        kwargs.pop("startup_timeout", None)
        client = PapermillNotebookClient(
            nb_man,
            km=kernel.km,
            timeout=execution_timeout if execution_timeout else kwargs.pop("timeout", None),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
            extra_arguments=[*kwargs.pop("extra_arguments", []), *KERNEL_ARGUMENTS],
            **kwargs,
        )
        client.kc = kernel.kc  # None the first time: nbclient starts kernel and client
        try:
            return client.execute()
        finally:
            kernel.kc = client.kc
            kernel.notebooks_run += 1


papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
