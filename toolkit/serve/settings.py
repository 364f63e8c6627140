"""The facilitator's settings for serving a room, traitlets-style like Voila's and nbgrader's.

One file, ``cct_config.py``, kept next to the facilitator's data (``cct config`` writes one with
every option explained), read by ``cct serve`` and ``cct plans``: the public address on the
handouts and QR codes is the one the server is reachable at. Options on the command line win
over the file.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from traitlets import Bool, Integer, TraitError, Unicode, validate
from traitlets.config import Config, Configurable
from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

from toolkit.core.config import CAP_MARGIN_ENV, DATABASE_ENV, PLANS_ENV
from toolkit.core.disclosure import DEFAULT_THRESHOLD, FLOOR_ENV, MINIMUM_THRESHOLD
from toolkit.core.exceptions import ToolkitError
from toolkit.core.signing import SECRET_ENV

CONFIG_NAME = "cct_config.py"


class SettingsError(ToolkitError, ValueError):
    """Raised when the config file or a setting cannot be used."""


class Room(Configurable):
    """What ``cct plans`` and ``cct serve`` share: where participants reach the form, which
    sessions exist, and the privacy rules every page keeps."""

    public_url = Unicode(
        "",
        help="The address participants' phones use, as printed on handouts and QR codes, e.g. "
        "https://training.example.org/cct/ (empty: the server's own address on this machine).",
    ).tag(config=True)
    plans_dir = Unicode(
        "out/plans",
        help="Folder of the session plans (`cct plans --out`): only sessions planned there get "
        "a form, each capped at its planned group size plus the margin.",
    ).tag(config=True)
    cap_margin = Integer(
        3,
        min=0,
        help="Submissions a session accepts beyond its planned group size before further ones "
        "are kept but flagged and never counted in results.",
    ).tag(config=True)
    privacy_threshold = Integer(
        DEFAULT_THRESHOLD,
        min=MINIMUM_THRESHOLD,
        help="Withhold every figure about fewer people than this on every page the server "
        "shows; a viewer can raise it on a page but never lower it.",
    ).tag(config=True)
    secret_file = Unicode(
        "",
        help="File holding the key that signs participant links (made on first use, readable "
        "by this account only; empty: var/link_secret). cct plans and cct serve must share it.",
    ).tag(config=True)
    database_url = Unicode(
        "",
        help="Reflections database URL, e.g. postgresql+psycopg://cct@db/cct (empty: "
        "CCT_DATABASE_URL, else the SQLite file in var/).",
    ).tag(config=True)

    @validate("public_url")
    def _http_url(self, proposal) -> str:
        value = proposal["value"].strip()
        if value and urlsplit(value).scheme not in ("http", "https"):
            raise TraitError(f"public_url must start with http:// or https://, got {value!r}")
        return value if not value or value.endswith("/") else value + "/"

    def kernel_environment(self) -> dict[str, str]:
        """What the form and apps read in their kernels (they run in other processes)."""
        env = {
            PLANS_ENV: str(Path(self.plans_dir).resolve()),
            CAP_MARGIN_ENV: str(self.cap_margin),
            FLOOR_ENV: str(self.privacy_threshold),
        }
        if self.secret_file:
            env[SECRET_ENV] = str(Path(self.secret_file).resolve())
        if self.database_url:
            env[DATABASE_ENV] = self.database_url
        return env


class Server(Configurable):
    """How ``cct serve`` listens and who may open what."""

    host = Unicode(
        "127.0.0.1",
        help="Address to listen on: 127.0.0.1 (this machine only) or 0.0.0.0 (every network "
        "this machine is on, so phones in the room can reach it).",
    ).tag(config=True)
    port = Integer(8866, min=1, max=65535, help="Port to listen on.").tag(config=True)
    base_url = Unicode(
        "/",
        help="Path the server answers under, e.g. /cct/ behind a reverse proxy or "
        "/services/cct/ as a JupyterHub service.",
    ).tag(config=True)
    password = Unicode(
        "",
        help="Password (or token) for the facilitators' pages; empty: cct serve makes one and "
        "prints it at start. Participants' form links never need it.",
    ).tag(config=True)
    pool_size = Integer(
        4, min=0, help="Kernels kept ready for the participants' form (0: none)."
    ).tag(config=True)
    app_pool_size = Integer(
        1,
        min=0,
        help="Kernels kept ready for each facilitator's app (0: none), so an app opens in about "
        "a second instead of about three; each waits, imports done, and reads the data when "
        "opened. Each costs a kernel with pandas and matplotlib (about 170 MB), and the server "
        "prepares every app's page as it starts (it answers slowly for a few seconds then).",
    ).tag(config=True)
    kernel_idle_seconds = Integer(
        60,
        min=10,
        help="A kernel nobody is connected to is shut down after this many seconds (a visitor "
        "who left, a page that was only fetched). Kernels kept ready are never shut.",
    ).tag(config=True)
    forked_kernels = Bool(
        True,
        help="Fork every kernel from one process that has imported the toolkit once: a kernel "
        "is ready in a fraction of a second and shares that memory (it owns less than half of "
        "what a started one owns), so the pool refills as fast as a room arrives. False: start "
        "each kernel as a new Python (slower, heavier; for a kernel that must not share a "
        "parent).",
    ).tag(config=True)
    cull_interval_seconds = Integer(
        10, min=1, help="How often to look for such kernels, in seconds."
    ).tag(config=True)
    template = Unicode(
        "cct",
        help="Voila template: cct (a light page for the participants' form, Voila's lab page "
        "for the rest) or lab (Voila's lab page for every notebook).",
    ).tag(config=True)
    secure_cookies = Bool(
        False,
        help="Mark cookies Secure (sent over HTTPS only); on by itself when public_url is https.",
    ).tag(config=True)

    @validate("base_url")
    def _slashes(self, proposal) -> str:
        value = "/" + proposal["value"].strip().strip("/")
        return value if value == "/" else value + "/"

    def is_loopback(self) -> bool:
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return self.host == "localhost"

    def own_url(self) -> str:
        """The server's address on this machine (what a facilitator at the laptop opens)."""
        host = "localhost" if self.is_loopback() or self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}{self.base_url}"


def load_config(path: Path | str | None = None) -> Config:
    """The settings in ``path`` (default: ``cct_config.py`` in the current folder, if any)."""
    if path is None:
        path = Path.cwd() / CONFIG_NAME
        if not path.is_file():
            return Config()
    path = Path(path)
    if not path.is_file():
        raise SettingsError(f"Config file {path} does not exist (cct config writes one)")
    loader = PyFileConfigLoader(path.name, path=str(path.parent.resolve()))
    try:
        return loader.load_config()
    except ConfigFileNotFound:
        raise SettingsError(f"Config file {path} does not exist (cct config writes one)") from None
    except Exception as exc:  # a typo in the facilitator's file: say where, not a traceback
        raise SettingsError(f"Config file {path} cannot be read: {exc}") from None


def settings(path: Path | str | None = None, **overrides: object) -> tuple[Room, Server]:
    """Room and server settings from the file, with command-line values (not None) on top."""
    config = load_config(path)
    for name, value in overrides.items():
        if value is None:
            continue
        section = "Room" if name in Room.class_trait_names() else "Server"
        config[section][name] = value
    try:
        return Room(config=config), Server(config=config)
    except TraitError as exc:
        raise SettingsError(f"A setting cannot be used: {exc}") from None


def public_url(room: Room, server: Server) -> str:
    return room.public_url or server.own_url()


def config_file_text() -> str:
    """A config file with every option, its help and its default, all commented out."""
    header = (
        "# Settings for `cct serve` and `cct plans` (written by `cct config`).\n"
        "# Keep this file next to your data; uncomment and change what you need.\n"
        "# Command-line options win over these values.\n\n"
        "c = get_config()  # noqa\n\n"
    )
    return header + "\n".join(cls.class_config_section() for cls in (Room, Server))


def write_config(path: Path | str, force: bool = False) -> Path:
    path = Path(path)
    if path.exists() and not force:
        raise SettingsError(f"{path} exists already; keep it, or pass --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_file_text(), encoding="utf-8")
    return path
