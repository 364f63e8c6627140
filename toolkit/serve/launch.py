"""Starting the server: Voila's options, its environment, and the run itself (``cct serve``)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from toolkit.core.paths import NOTEBOOKS_DIR, TEMPLATES_DIR, WORK_DIR
from toolkit.serve.hub import HubService, make_auth, without_hub
from toolkit.serve.kernels import PROVISIONER_NAME
from toolkit.serve.settings import Room, Server, public_url

# participants' notebooks are open without a login; every other notebook is a facilitator's
# app, opened after the login. A room fills the reflection at once, so its kernels wait ready
# (PREHEATED_NOTEBOOKS); a check-in or a client's feedback comes one at a time. The apps in
# PREHEATED_APPS get a small pool too when c.Server.app_pool_size is set: each waits for the
# visit before reading any data (toolkit.core.query.wait_for_visit), so a kernel kept ready has
# its imports done and still shows the data as of the visit. A new notebook is not preheated
# until it does the same and is added here.
PARTICIPANT_NOTEBOOKS = ("reflection.ipynb", "checkin.ipynb", "feedback.ipynb")
PREHEATED_NOTEBOOKS = ("reflection.ipynb",)
PREHEATED_APPS = (
    "debrief.ipynb",
    "evaluation.ipynb",
    "needs_assessment.ipynb",
    "session_plan.ipynb",
    "transparency.ipynb",
)
FACILITATOR_NOTEBOOKS = tuple(
    sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb") if p.name not in PARTICIPANT_NOTEBOOKS)
)
NOT_PREHEATED = tuple(
    sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb") if p.name not in PREHEATED_NOTEBOOKS)
)
# where Voila finds the toolkit's template ("cct"): <this>/voila/templates/cct
VOILA_DATA_DIR = TEMPLATES_DIR / "jupyter"
PASSWORD_ENV = "CCT_PASSWORD"


def kernel_pools(pool_size: int, app_pool_size: int) -> dict[str, dict]:
    """Voila's pools per notebook: the form's, the preheated apps', and none for the rest."""
    pools = {"default": {"pool_size": 0}}
    pools.update({name: {"pool_size": max(pool_size, 0)} for name in PREHEATED_NOTEBOOKS})
    pools.update(
        {
            name: {"pool_size": max(app_pool_size, 0)}
            for name in PREHEATED_APPS
            if name in FACILITATOR_NOTEBOOKS
        }
    )
    return pools


def voila_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment to start Voila in: ``base`` (default: this process's) with the toolkit's
    template on Jupyter's data path."""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(VOILA_DATA_DIR), env.get("JUPYTER_PATH")) if p
    )
    return env


def voila_arguments(
    port: int,
    pool_size: int = 4,
    template: str = "cct",
    host: str = "127.0.0.1",
    base_url: str = "/",
) -> list[str]:
    """Voila options shared by ``cct serve``, the browser tests and the benchmark.

    The participants' form is preheated: ``pool_size`` kernels wait with the notebook already
    run up to the cell that reads the URL, so a participant does not wait for a kernel to start
    and import the toolkit. The facilitators' notebooks start a kernel per visit as usual.
    The "cct" template gives the form a light page of its own (no JupyterLab frontend, no
    third-party requests) and every other notebook Voila's "lab" page; it needs the
    environment from :func:`voila_environment`.
    """
    return [
        str(NOTEBOOKS_DIR),
        f"--template={template}",
        f"--port={port}",
        f"--Voila.ip={host}",
        f"--Voila.base_url={base_url}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        # only images next to the notebooks may be fetched; CSV/XLSX/JSON never are
        "--VoilaConfiguration.file_allowlist",
        r".*\.(png|jpg|gif|svg)$",
        f"--preheat_kernel={pool_size > 0}",
        f"--pool_size={max(pool_size, 0)}",
        *(arg for name in NOT_PREHEATED for arg in ("--VoilaKernelManager.preheat_denylist", name)),
        "--VoilaKernelManager.fill_delay=0",
    ]


@dataclass
class Launch:
    """What ``cct serve`` starts, and what it tells the facilitator."""

    argv: list[str]
    traits: dict
    environment: dict[str, str]
    password: str
    password_made: bool
    own_url: str
    public_url: str
    notes: list[str]
    hub_login: bool = False


def prepare(
    room: Room, server: Server, open_browser: bool = False, hub: HubService | None = None
) -> Launch:
    """What to start; ``hub``: as a JupyterHub service, whose facilitators log in to the hub
    (no password then) and whose kernels never see the hub's variables."""
    if hub:
        make_auth(hub.auth_settings())  # jupyterhub missing or a setting it refuses: said now
        password, made = "", False
    else:
        password = server.password or os.environ.get(PASSWORD_ENV, "")
        made = not password
        password = password or secrets.token_urlsafe(16)
    argv = [
        *voila_arguments(
            server.port,
            server.pool_size,
            template=server.template,
            host=server.host,
            base_url=server.base_url,
        ),
        "--Voila.port_retries=0",  # another port would not match the handouts' links
        # kernels talk to the server over Unix sockets only this account can open, not TCP
        "--KernelManager.transport=ipc",
        f"--MappingKernelManager.cull_idle_timeout={server.kernel_idle_seconds}",
        f"--MappingKernelManager.cull_interval={server.cull_interval_seconds}",
        "--MappingKernelManager.cull_connected=False",
        f"--Voila.open_browser={open_browser}",
    ]
    if server.forked_kernels:
        argv.append(f"--KernelProvisionerFactory.default_provisioner_name={PROVISIONER_NAME}")
    url = room.public_url or (hub.public_url if hub else "") or public_url(room, server)
    traits = {
        "facilitator_password": password,
        "kernel_pools": kernel_pools(server.pool_size, server.app_pool_size),
        "public_url": url,
        "secure_cookies": server.secure_cookies or url.startswith("https://"),
        "plans_dir": str(os.path.abspath(room.plans_dir)),
        "cap_margin": room.cap_margin,
        "database_url": room.database_url,
        "hub": hub.auth_settings() if hub else {},
    }
    environment = voila_environment(without_hub({**os.environ, **room.kernel_environment()}))
    notes = []
    if hub and url == public_url(room, server):
        notes.append(
            f"Note: running as the JupyterHub service {hub.name!r} but no public URL is set, so "
            f"handouts and QR codes point to {url}, this server's own address, not the hub's. "
            "Set c.Room.public_url to the hub's address of this service, e.g. "
            f"https://hub.example.org{hub.prefix}, or c.JupyterHub.public_url in the hub's "
            "config, and re-run cct plans."
        )
    if not server.is_loopback() and not room.public_url and not hub:
        notes.append(
            f"Note: listening on {server.host} but no public URL is set, so handouts and QR "
            f"codes point to {url}, which phones cannot open. Set --public-url (or "
            "c.Room.public_url) to this machine's address on the room's network, e.g. "
            f"http://192.168.1.20:{server.port}{server.base_url}, and re-run cct plans."
        )
    return Launch(
        argv, traits, environment, password, made, server.own_url(), url, notes, hub is not None
    )


def run(launch: Launch, say: Callable[[str], None] = print) -> None:
    """Run the server in this process until SIGTERM or Ctrl-C; every kernel stops with it."""
    from toolkit.serve.app import RoomServer

    os.environ.clear()
    os.environ.update(launch.environment)
    os.chdir(WORK_DIR)
    say(f"Participants' form links and QR codes point to {launch.public_url}")
    for note in launch.notes:
        say(note)
    if launch.hub_login:
        say(f"Facilitators: log in with your JupyterHub account at {launch.public_url}login")
    elif launch.password_made:
        say(f"Facilitators: open {launch.own_url}?token={launch.password}")
        say(f"  (or log in at {launch.own_url}login with the token {launch.password})")
    else:
        say(f"Facilitators: log in at {launch.own_url}login with the password you set")
    RoomServer.launch_instance(launch.argv, **launch.traits)
