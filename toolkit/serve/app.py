"""The server behind ``cct serve``: Voila, with a lock on everything but the participants' pages.

* Participants reach the pages in :data:`PARTICIPANT_NOTEBOOKS` (the reflection form, whose
  kernel checks the link's signature) and the landing page's public part; nothing else.
* Facilitators log in once with the password (or token) the facilitator set or ``cct serve``
  printed; a signed, HttpOnly, SameSite cookie then opens the apps and every page that shows
  results (the apps, the notebook list, the landing page's sessions and counts). As a
  JupyterHub service they log in with their hub account instead (toolkit/serve/hub.py).
* Every page has a Content-Security-Policy; cookies are SameSite, and Secure behind HTTPS.
* Kernels nobody is connected to (a visitor who left, a page only fetched) are culled after a
  bounded time by jupyter_server's culler; Voila's preheated pool kernels are never culled.
* ``/health`` answers at once with the pool, the kernels, the store and the memory in use.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import posixpath
import signal
import time
from datetime import date, datetime
from pathlib import Path
from urllib.parse import unquote, urlencode, urlsplit

import jinja2
import tornado.web
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from traitlets import Bool, Dict, Instance, Int, List, Unicode
from voila.app import Voila
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from toolkit.core.paths import TEMPLATES_DIR
from toolkit.serve import hub
from toolkit.serve.kernels import PROVISIONER_NAME, RoomKernelManager, start_fork_server
from toolkit.serve.launch import FACILITATOR_NOTEBOOKS, PARTICIPANT_NOTEBOOKS

LOGIN_COOKIE = "cct-facilitator"
LOGIN_DAYS = 1
# the facilitators' apps, for the landing page: (notebook, name, for whom and what)
FACILITATOR_APPS = (
    (
        "needs_assessment.ipynb",
        "Needs assessment",
        "For facilitators: which competencies each team lacks, for the clients it serves.",
    ),
    (
        "session_plan.ipynb",
        "Session plan",
        "For facilitators and programme leads: a timed plan for one team's session.",
    ),
    (
        "debrief.ipynb",
        "Debrief",
        "For facilitators: what participants reflected, with small groups withheld.",
    ),
    (
        "evaluation.ipynb",
        "Evaluation",
        "For programme leads: what changed over cycles, from reactions to service results.",
    ),
    (
        "transparency.ipynb",
        "Transparency report",
        "For programme leads: the public report, true totals with small groups withheld, "
        "audited before it is written.",
    ),
)
# Pages the toolkit writes itself and the participants' form: no inline script, no eval
STRICT_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' blob:",  # the form's widget module is loaded from a blob
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)
# Voila's JupyterLab page (the facilitators' apps) needs inline scripts and eval
LAB_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
        "style-src 'self' 'unsafe-inline' blob:",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)

PAGES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


# -- who is asking --------------------------------------------------------------------------
class RoomHandler(JupyterHandler):
    """The toolkit's own pages: the login cookie and the server's settings at hand."""

    @property
    def room(self) -> RoomServer:
        return self.settings["cct_server"]

    @property
    def content_security_policy(self) -> str:
        return STRICT_CSP

    async def is_facilitator(self) -> bool:
        return await is_facilitator(self)

    def write_error(self, status_code: int, **kwargs) -> None:
        """A short plain answer: jupyter_server's error page is not among Voila's templates
        (rendering it failed with a traceback in the log on every refused request)."""
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {self._reason}\n")

    def render_page(self, name: str, facilitator: bool = False, **context) -> str:
        return PAGES.get_template(name).render(
            base_url=self.base_url, facilitator=facilitator, **context
        )


async def is_facilitator(handler: tornado.web.RequestHandler) -> bool:
    """True once the visitor logged in (or brought the token in the URL, which logs them in);
    as a JupyterHub service, once they logged in to the hub with access to this service."""
    server: RoomServer = handler.settings["cct_server"]
    if server.hub_auth is not None:
        _user, allowed = await hub.hub_user(handler, server.hub_auth)
        return allowed
    value = handler.get_signed_cookie(LOGIN_COOKIE, max_age_days=LOGIN_DAYS)
    if value == b"facilitator":
        return True
    token = handler.get_query_argument("token", "")
    if token and server.check_password(token):
        log_in(handler)
        return True
    return False


def log_in(handler: tornado.web.RequestHandler) -> None:
    server: RoomServer = handler.settings["cct_server"]
    handler.set_signed_cookie(
        LOGIN_COOKIE,
        "facilitator",
        expires_days=LOGIN_DAYS,
        httponly=True,
        samesite="Lax",  # a link to the landing page from an e-mail keeps the login
        secure=server.secure_cookies,
        path=server.base_url,
    )


def login_url(handler: tornado.web.RequestHandler) -> str:
    base = handler.settings["base_url"]
    return url_path_join(base, "login") + "?" + urlencode({"next": handler.request.uri})


def safe_next(base_url: str, wanted: str) -> str:
    """Only a path on this server: never another site (an open redirect)."""
    parts = urlsplit(wanted)
    if parts.scheme or parts.netloc or not wanted.startswith(base_url) or "\\" in wanted:
        return base_url
    return wanted


class LoginHandler(RoomHandler):
    def get(self) -> None:
        self.xsrf_token  # noqa: B018 (sets the cookie the form posts back)
        nxt = safe_next(self.base_url, self.get_query_argument("next", self.base_url))
        self.finish(
            self.render_page(
                "serve/login.html.j2", next=nxt, failed=False, xsrf=self.xsrf_form_html()
            )
        )

    async def post(self) -> None:
        nxt = safe_next(self.base_url, self.get_body_argument("next", self.base_url))
        if self.room.check_password(self.get_body_argument("password", "")):
            log_in(self)
            self.redirect(nxt)
            return
        await asyncio.sleep(1)  # guessing passwords takes a second a guess
        self.set_status(403)
        self.finish(
            self.render_page(
                "serve/login.html.j2", next=nxt, failed=True, xsrf=self.xsrf_form_html()
            )
        )


class HubLoginHandler(RoomHandler):
    """As a JupyterHub service: the hub's login (OAuth), then back to the page asked for; a hub
    user the hub gives no access to this service gets a plain page saying so."""

    async def get(self) -> None:
        nxt = safe_next(self.base_url, self.get_query_argument("next", self.base_url))
        user, allowed = await hub.hub_user(self, self.room.hub_auth)
        if allowed:
            self.redirect(nxt)
            return
        if user is None:
            self.redirect(hub.login_redirect(self, self.room.hub_auth, nxt))
            return
        self.set_status(403)
        self.finish(self.render_page("serve/login.html.j2", hub_user=user["name"]))


class LogoutHandler(RoomHandler):
    def get(self) -> None:
        self.clear_cookie(LOGIN_COOKIE, path=self.room.base_url)
        if self.room.hub_auth is not None:
            self.room.hub_auth.clear_cookie(self)  # this service's; the hub's own login stays
        self.redirect(self.base_url)


# -- the pages -----------------------------------------------------------------------------
class GuardedVoilaHandler(TornadoVoilaHandler):
    """Voila's notebook page: participants' notebooks for anyone, the rest after the login."""

    @property
    def content_security_policy(self) -> str:
        light = self.settings["cct_server"].voila_configuration.template == "cct"
        return STRICT_CSP if light and self._participant_page() else LAB_CSP

    def _participant_page(self) -> bool:
        prefix = url_path_join(self.settings["base_url"], "voila/render/")
        path = unquote(self.request.path)
        if not path.startswith(prefix):
            return False
        return posixpath.normpath("/" + path[len(prefix) :]).lstrip("/") in PARTICIPANT_NOTEBOOKS

    async def get(self, path=None):
        if not self._participant_page() and not await is_facilitator(self):
            self.redirect(login_url(self))
            return
        await super().get(path=path)


class GuardedContentsHandler(VoilaContentsHandler):
    """The notebook list as JSON: facilitators only."""

    async def get(self, path="", **kwargs):
        if not await is_facilitator(self):
            raise tornado.web.HTTPError(403)
        await super().get(path, **kwargs)


class LandingHandler(RoomHandler):
    """Which app is for whom; for facilitators also today's sessions, links, QR codes, counts."""

    def initialize(self, **_voila_settings) -> None:  # it takes the place of Voila's tree page
        pass

    async def get(self, path: str = "") -> None:
        self.xsrf_token  # noqa: B018 (the form's page reads it to shut its kernel down on leaving)
        facilitator = await self.is_facilitator()
        context = {"apps": FACILITATOR_APPS, "sessions": [], "problem": ""}
        if facilitator:
            try:
                context["sessions"] = self.room.todays_sessions()
            except Exception as exc:  # an unreadable store: say so on the page, keep serving
                context["problem"] = f"Submission counts are not available: {exc}"
        self.set_header("Cache-Control", "no-store")
        self.finish(
            self.render_page(
                "serve/landing.html.j2",
                facilitator=facilitator,
                today=date.today(),
                public_url=self.room.public_url,
                **context,
            )
        )


class CountsHandler(RoomHandler):
    """Submissions per session, counted and beyond the cap, for the start page: facilitators."""

    async def get(self) -> None:
        if not await self.is_facilitator():
            raise tornado.web.HTTPError(403)
        loop = asyncio.get_running_loop()
        counts = await loop.run_in_executor(None, lambda: self.room.store().counts())
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({s: {"counted": c, "beyond": b} for s, (c, b) in counts.items()}))


class HealthHandler(RoomHandler):
    """For a monitor or systemd: 200 and JSON if the server can take a participant, else 503."""

    def check_xsrf_cookie(self) -> None:  # GET only; nothing to protect
        return

    async def get(self) -> None:
        report = await self.room.health()
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.set_status(200 if report["ok"] else 503)
        self.finish(json.dumps(report))


# -- the server ----------------------------------------------------------------------------
class RoomServer(Voila):
    """Voila with the toolkit's lock, pages and health; started by ``cct serve``."""

    name = "cct-serve"
    facilitator_password = Unicode("", help="The facilitators' password or token.")
    public_url = Unicode("", help="The address on handouts and QR codes.")
    secure_cookies = Bool(False, help="Cookies only over HTTPS.")
    plans_dir = Unicode("out/plans", help="Folder of the session plans.")
    cap_margin = Int(3, help="Submissions counted beyond a session's group size.")
    database_url = Unicode("", help="Reflections database URL.")
    participant_notebooks = List(Unicode(), list(PARTICIPANT_NOTEBOOKS))
    kernel_pools = Dict(help="Voila's kernel pools per notebook (launch.kernel_pools).")
    hub = Dict(help="As a JupyterHub service: hub.HubService.auth_settings(); empty otherwise.")
    hub_auth = Instance(object, allow_none=True)
    started = Dict()
    _store = Instance(object, allow_none=True)
    _stopping = Bool(False)

    def check_password(self, given: str) -> bool:
        wanted = self.facilitator_password
        return bool(wanted) and hmac.compare_digest(
            wanted.encode("utf-8"), given.encode("utf-8", "replace")
        )

    def init_settings(self) -> dict:
        if self.kernel_pools:
            # per notebook (Voila's command line takes one size for all): the form's pool, the
            # preheated apps' small ones; the apps are no longer on the deny list
            pools = self.kernel_pools
            self.config.VoilaKernelManager.kernel_pools_config = pools
            self.config.VoilaKernelManager.preheat_denylist = [
                name
                for name in (*PARTICIPANT_NOTEBOOKS, *FACILITATOR_NOTEBOOKS)
                if not pools.get(name, {}).get("pool_size")
            ]
            self.voila_configuration.preheat_kernel = any(
                p.get("pool_size", 0) > 0 for p in pools.values()
            )
        self.voila_configuration.multi_kernel_manager_class = RoomKernelManager
        settings = super().init_settings()
        settings["cct_server"] = self
        self.hub_auth = hub.make_auth(self.hub) if self.hub else None
        # Jupyter's anonymous-user cookie, SameSite like every cookie this server sets
        self.identity_provider.cookie_options = {
            "samesite": "Lax",
            "secure": self.secure_cookies,
            "httponly": True,
        }
        settings["headers"] = {
            "Content-Security-Policy": LAB_CSP,
            "Referrer-Policy": "same-origin",  # "no-referrer" makes form posts "Origin: null"
            "X-Frame-Options": "SAMEORIGIN",
        }
        settings["xsrf_cookie_kwargs"] = {
            "samesite": "Strict",
            "secure": self.secure_cookies,
            "path": self.base_url,
        }
        settings["login_url"] = url_path_join(self.base_url, "login")
        self._trust_notebooks()
        return settings

    def _trust_notebooks(self) -> None:
        """The toolkit's own notebooks (outputs stripped) are trusted for this run only (an
        in-memory signature store), so the log does not warn of every visit."""
        import nbformat

        notary = self.contents_manager.notary
        notary.db_file = ":memory:"
        for path in sorted(Path(self.root_dir).glob("*.ipynb")):
            notary.sign(nbformat.read(path, as_version=nbformat.NO_CONVERT))

    def init_handlers(self) -> list:
        replaced = {
            TornadoVoilaTreeHandler: LandingHandler,
            TornadoVoilaHandler: GuardedVoilaHandler,
            VoilaContentsHandler: GuardedContentsHandler,
        }
        handlers = [
            (url_path_join(self.server_url, "health"), HealthHandler),
            (url_path_join(self.server_url, "counts"), CountsHandler),
            (url_path_join(self.server_url, "logout"), LogoutHandler),
        ]
        if self.hub:
            handlers += [
                (url_path_join(self.server_url, "login"), HubLoginHandler),
                (
                    url_path_join(self.server_url, "oauth_callback"),
                    hub.callback_handler(),
                    {"hub_auth": self.hub_auth},
                ),
            ]
        else:
            handlers.append((url_path_join(self.server_url, "login"), LoginHandler))
        for entry in super().init_handlers():
            pattern, handler, *rest = entry
            if pattern.endswith(("/login", "/logout")):
                continue  # Voila's own login pages: ours replace them
            handlers.append((pattern, replaced.get(handler, handler), *rest))
        return handlers

    # -- what the landing page and the health endpoint read --------------------------------
    def store(self):
        if self._store is None:
            from toolkit.reflect.store import ReflectionStore

            self._store = ReflectionStore(self.database_url or None)
        return self._store

    def todays_sessions(self, day: date | None = None) -> list[dict]:
        """Today's planned sessions, each with its signed form link, QR code and counts."""
        import segno

        from toolkit.plan.planner import form_link

        day = day or date.today()
        counts = self.store().counts()
        sessions = []
        for path in sorted(Path(self.plans_dir).glob("*/plan.json")):
            try:
                plan = json.loads(path.read_text(encoding="utf-8"))
                start = datetime.fromisoformat(plan["start"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if start.date() != day:
                continue
            link = form_link(
                self.public_url, plan["session_id"], plan["competencies"], plan["language"]
            )
            counted, beyond = counts.get(plan["session_id"], (0, 0))
            size = plan.get("group_size")
            qr = segno.make(link, error="m").svg_inline(
                scale=3, border=2, title=f"Form link of {plan['session_id']}"
            )
            sessions.append(
                {
                    "session_id": plan["session_id"],
                    "team_id": plan.get("team_id", ""),
                    "start": start,
                    "language": plan["language"],
                    "link": link,
                    "qr_svg": qr,
                    "counted": counted,
                    "beyond": beyond,
                    "cap": size + self.cap_margin if isinstance(size, int) else None,
                    "group_size": size,
                }
            )
        return sorted(sessions, key=lambda s: s["start"])

    async def health(self) -> dict:
        started = time.perf_counter()
        manager = self.kernel_manager
        kernels = list(manager.list_kernel_ids())
        pools = {
            name: sum(1 for f in pool if f.done() and not f.exception())
            for name, pool in getattr(manager, "_pools", {}).items()
        }
        store_ok, store_problem = True, ""
        try:
            await asyncio.get_running_loop().run_in_executor(None, self._ping_store)
        except Exception as exc:
            store_ok, store_problem = False, str(exc)[:300]
        memory = _memory_mb(manager, kernels)
        report = {
            "ok": store_ok,
            "store": {"ok": store_ok, **({"problem": store_problem} if store_problem else {})},
            "kernels": len(kernels),
            "pool": pools,
            "pool_target": self.voila_configuration.default_pool_size,
            "memory_mb": memory,
            "uptime_s": round(time.time() - self.started.get("at", time.time()), 1),
        }
        report["answered_in_ms"] = round(1000 * (time.perf_counter() - started), 1)
        return report

    def _stop_on_signal(self, signum: int, frame) -> None:
        loop = getattr(self, "ioloop", None)
        if loop is None or self._stopping:  # not running yet, or asked twice
            signal.signal(signal.SIGINT, signal.default_int_handler)
            raise KeyboardInterrupt
        self._stopping = True
        self._handle_signal_stop(signum, frame)

    def _ping_store(self) -> None:
        import sqlalchemy as sa

        with self.store().engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    def start(self) -> None:
        self.started["at"] = time.time()
        # Ctrl-C stops the server as SIGTERM does: the event loop is asked to stop, then every
        # kernel is shut down. As Python's KeyboardInterrupt it broke into whatever coroutine
        # was running, and a kernel being started then (a forked kernel's start waits on the
        # fork server) stayed pending, so the shutdown waited for it forever. A second Ctrl-C
        # stops at once.
        signal.signal(signal.SIGINT, self._stop_on_signal)
        if self.config.KernelProvisionerFactory.get("default_provisioner_name") == (
            PROVISIONER_NAME
        ):
            start_fork_server()  # its imports run while the server starts, not on a visit
        super().start()


def _memory_mb(manager, kernel_ids: list[str]) -> dict:
    """Resident memory of the server and of its kernels, in MB."""
    import os

    import psutil

    server = psutil.Process(os.getpid()).memory_info().rss
    in_kernels = 0
    for kernel_id in kernel_ids:
        try:
            process = manager.get_kernel(kernel_id).provisioner.process
            in_kernels += psutil.Process(process.pid).memory_info().rss
        except Exception:  # a kernel starting or stopping right now
            continue
    mb = 1024 * 1024
    return {
        "server": round(server / mb, 1),
        "kernels": round(in_kernels / mb, 1),
        "total": round((server + in_kernels) / mb, 1),
    }
