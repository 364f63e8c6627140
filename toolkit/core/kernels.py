"""Kernels the toolkit starts itself (papermill runs): local sockets, never TCP ports.

Kept apart from :mod:`toolkit.core.notebooks`, which imports papermill: papermill loads its
engines (:mod:`toolkit.plan.warm_engine` among them) while it is imported, and they need this.
"""

from __future__ import annotations

import os
import tempfile
import uuid

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_runtime_dir
from traitlets import default


class LocalKernelManager(AsyncKernelManager):
    """A kernel spoken to over local sockets (IPC), not TCP ports on 127.0.0.1: no other
    user of the machine can reach it, and the kernel has no reason to warn facilitators that
    it "is running over TCP without encryption … susceptible to eavesdropping"."""

    @default("transport")
    def _ipc_transport(self) -> str:
        return "ipc"

    @default("connection_file")
    def _own_connection_file(self) -> str:
        """A fresh file in Jupyter's runtime folder; the sockets are named after it, so two
        kernels never share one (a socket path must stay under ~100 characters)."""
        folder = jupyter_runtime_dir()
        if len(folder) > 50:
            folder = tempfile.gettempdir()
        os.makedirs(folder, mode=0o700, exist_ok=True)
        return os.path.join(folder, f"kernel-{uuid.uuid4()}.json")
