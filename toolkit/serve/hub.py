"""``cct serve`` as a JupyterHub service, at ``/services/<name>/`` behind the hub's proxy.

Participants have no hub account: their pages stay open to anyone with a signed link, exactly as
without a hub. Facilitators log in with their hub account instead of the server's password: the
login page sends them through the hub's OAuth (:class:`jupyterhub.services.auth.HubOAuth`), and
a hub user may open the facilitators' pages when the hub grants them access to this service
(the scope ``access:services!service=<name>``, given by a role in the hub's config).

The hub tells a managed service where it lives in ``JUPYTERHUB_*`` variables (an administrator
sets the same ones for an external service). They are read once here and kept out of the
kernels' environment: the hub's API token is the server's, never a notebook's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import tornado.web

from toolkit.core.exceptions import ToolkitError

HUB_ENV_PREFIX = "JUPYTERHUB_"


class HubError(ToolkitError, RuntimeError):
    """Raised when the hub's settings cannot be used (jupyterhub missing, a bad variable)."""


@dataclass(frozen=True)
class HubService:
    """What the hub told this service: who it is, where the hub is, where to listen."""

    name: str
    api_token: str
    api_url: str
    prefix: str  # the service's path on the hub's proxy, e.g. /services/cct/
    hub_prefix: str  # the hub's own pages, e.g. /hub/
    client_id: str
    callback_url: str
    access_scopes: tuple[str, ...]
    listen_url: str = ""  # where the proxy sends the service's requests (managed: the "url")
    public_url: str = ""  # the service's address for browsers, if the hub knows it
    hub_host: str = ""
    cookie_options: tuple[tuple[str, object], ...] = ()
    cookie_host_prefix: bool = False

    def listen(self) -> dict[str, object]:
        """``cct serve``'s host, port and base URL as the hub expects them."""
        found: dict[str, object] = {"base_url": self.prefix}
        if self.listen_url:
            parts = urlsplit(self.listen_url)
            if parts.hostname:
                found["host"] = parts.hostname
            if parts.port:
                found["port"] = parts.port
        return found

    def auth_settings(self) -> dict:
        """Plain values for the server's ``hub`` setting (see :func:`make_auth`)."""
        values = asdict(self)
        values["access_scopes"] = list(self.access_scopes)
        values["cookie_options"] = dict(self.cookie_options)
        return values


def from_environment(env: Mapping[str, str]) -> HubService | None:
    """The hub's service settings, or None when this server is not run as a hub service."""
    token = env.get("JUPYTERHUB_API_TOKEN", "")
    prefix = env.get("JUPYTERHUB_SERVICE_PREFIX", "")
    if not token or not prefix:
        return None
    prefix = "/" + prefix.strip("/") + "/"
    name = env.get("JUPYTERHUB_SERVICE_NAME") or prefix.rstrip("/").rsplit("/", 1)[-1]
    base = "/" + env.get("JUPYTERHUB_BASE_URL", "/").strip("/")
    scopes = _json(env, "JUPYTERHUB_OAUTH_ACCESS_SCOPES", [f"access:services!service={name}"])
    cookie_options = _json(env, "JUPYTERHUB_COOKIE_OPTIONS", {})
    return HubService(
        name=name,
        api_token=token,
        api_url=env.get("JUPYTERHUB_API_URL") or "http://127.0.0.1:8081/hub/api",
        prefix=prefix,
        hub_prefix=base.rstrip("/") + "/hub/",
        client_id=env.get("JUPYTERHUB_CLIENT_ID") or f"service-{name}",
        callback_url=env.get("JUPYTERHUB_OAUTH_CALLBACK_URL") or f"{prefix}oauth_callback",
        access_scopes=tuple(scopes),
        listen_url=env.get("JUPYTERHUB_SERVICE_URL", ""),
        public_url=env.get("JUPYTERHUB_PUBLIC_URL", ""),
        hub_host=env.get("JUPYTERHUB_HOST", ""),
        cookie_options=tuple(sorted(cookie_options.items())),
        cookie_host_prefix=env.get("JUPYTERHUB_COOKIE_HOST_PREFIX_ENABLED", "").lower()
        in ("1", "true", "yes"),
    )


def _json(env: Mapping[str, str], name: str, default):
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        value = json.loads(raw)
    except ValueError:
        raise HubError(f"{name} is not JSON: {raw[:80]!r}") from None
    if not isinstance(value, type(default)):
        raise HubError(f"{name} should be a JSON {type(default).__name__}, got {raw[:80]!r}")
    return value


def without_hub(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` less the hub's variables: what the kernels may see."""
    return {k: v for k, v in env.items() if not k.startswith(HUB_ENV_PREFIX)}


def make_auth(settings: Mapping):
    """The hub's OAuth client for this service, from :meth:`HubService.auth_settings`."""
    try:
        from jupyterhub.services.auth import HubOAuth
    except ImportError:
        raise HubError(
            "cct serve runs as a JupyterHub service (JUPYTERHUB_API_TOKEN is set) but the "
            "jupyterhub package is not installed: pip install 'cct-toolkit[hub]'"
        ) from None
    return HubOAuth(
        api_token=settings["api_token"],
        api_url=settings["api_url"],
        base_url=settings["prefix"],
        hub_prefix=settings["hub_prefix"],
        hub_host=settings["hub_host"],
        oauth_client_id=settings["client_id"],
        oauth_redirect_uri=settings["callback_url"],
        access_scopes=set(settings["access_scopes"]),
        # SameSite like every cookie of this server (the OAuth redirects are top-level GETs)
        cookie_options={"samesite": "Lax", **settings["cookie_options"]},
        cookie_host_prefix_enabled=settings["cookie_host_prefix"],
    )


async def hub_user(handler: tornado.web.RequestHandler, auth) -> tuple[dict | None, bool]:
    """The hub user behind this request (hub cookie or API token) and whether they may open the
    facilitators' pages (they hold one of the service's access scopes)."""
    from jupyterhub.services.auth import check_scopes

    token = auth.get_token(handler)  # the hub's Authorization header, else our OAuth cookie
    if not token:
        return None, False
    user = await auth.user_for_token(token, session_id=auth.get_session_id(handler), sync=False)
    if not user:
        return None, False
    allowed = bool(check_scopes(auth.access_scopes, set(user.get("scopes", ()))))
    return user, allowed


def login_redirect(handler: tornado.web.RequestHandler, auth, next_url: str) -> str:
    """The hub's OAuth page for this visitor, coming back to ``next_url`` once logged in (the
    same state cookie and PKCE challenge as the hub's own ``HubOAuthenticated`` handlers)."""
    from tornado.httputil import url_concat

    params: dict[str, str] = {}
    verifier = None
    if auth.pkce_enabled:
        verifier, challenge, method = auth.generate_pkce_code_challenge()
        params.update(code_challenge=challenge, code_challenge_method=method)
    params["state"] = auth.set_state_cookie(handler, next_url=next_url, code_verifier=verifier)
    return url_concat(auth.login_url, params)


def callback_handler():
    """The hub's OAuth callback handler, given this server's OAuth client (not a singleton)."""
    from jupyterhub.services.auth import HubOAuthCallbackHandler

    class CallbackHandler(HubOAuthCallbackHandler):
        def initialize(self, hub_auth) -> None:
            self.hub_auth = hub_auth

    return CallbackHandler
