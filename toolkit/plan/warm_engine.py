"""A papermill engine that keeps one kernel per process across notebooks.

Starting a kernel and importing pandas, matplotlib and the toolkit costs seconds; planning one
team costs a fraction of that. In a batch, each worker process keeps its kernel (and client)
alive between notebooks and clears the user namespace (``%reset -f``) before each one, so every
notebook still starts from an empty namespace while the imported modules stay warm.

Registered with papermill as ``cct_warm`` (also as an entry point), so
``papermill --engine cct_warm`` works too. Everything else is stock papermill and nbclient.
"""

from __future__ import annotations

import logging
from multiprocessing import util as mp_util

from jupyter_client.manager import AsyncKernelManager
from nbclient.util import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

ENGINE_NAME = "cct_warm"
logger = logging.getLogger("papermill")


class WarmKernelEngine(NBClientEngine):
    """NBClientEngine with a kernel that outlives each notebook."""

    km: AsyncKernelManager | None = None
    kc = None
    kernel_name: str | None = None
    notebooks_run = 0

    @classmethod
    def _ready_kernel(cls, kernel_name: str) -> None:
        alive = cls.km is not None and run_sync(cls.km.is_alive)()
        if alive and cls.kernel_name == kernel_name:
            reply = run_sync(cls.kc.execute_interactive)(
                "get_ipython().run_line_magic('reset', '-f')", silent=True, timeout=60
            )
            if reply["content"]["status"] == "ok":
                return
        cls.shutdown()
        cls.km = AsyncKernelManager(kernel_name=kernel_name)
        cls.kernel_name = kernel_name
        mp_util.Finalize(cls, cls.shutdown, exitpriority=10)  # runs at worker-process exit

    @classmethod
    def shutdown(cls) -> None:
        """Stop the kept kernel (called at process exit, or when it must be replaced)."""
        if cls.kc is not None:
            cls.kc.stop_channels()
        if cls.km is not None and cls.km.has_kernel:
            run_sync(cls.km.shutdown_kernel)(now=True)
        cls.km = cls.kc = None

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
        **kwargs,
    ):
        cls._ready_kernel(kernel_name)
        kwargs.pop("input_path", None)
        kwargs.pop("startup_timeout", None)
        client = PapermillNotebookClient(
            nb_man,
            km=cls.km,
            timeout=execution_timeout if execution_timeout else kwargs.pop("timeout", None),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
            **kwargs,
        )
        client.kc = cls.kc  # None the first time: nbclient starts kernel and client
        try:
            return client.execute()
        finally:
            cls.kc = client.kc
            cls.notebooks_run += 1


papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
