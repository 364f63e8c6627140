"""`cct serve` as a JupyterHub managed service at /services/cct/, behind the hub's real
configurable-http-proxy, all on loopback: participants (no hub account) send the form through
the proxy and their kernel is shut on leaving; facilitators' pages go through the hub's login.

The proxy is the npm package in tests/node (`npm ci --prefix tests/node`; .ci/run does)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from tests.browser import (
    TEST_SESSIONS,
    chromium_page,
    fill_reflection,
    free_port,
    kernel_exists,
    require_chromium,
    signed_form_url,
    write_plans,
)
from toolkit.core.paths import PROJECT_ROOT
from toolkit.reflect.store import ReflectionStore, upgrade_schema
from toolkit.serve.hub import HubError, from_environment, without_hub
from toolkit.serve.launch import prepare
from toolkit.serve.settings import settings

PROXY = PROJECT_ROOT / "tests" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
HUB_PASSWORD = "hub-test-password"
LOAD = 180_000
HUB_CONFIG = """
c.JupyterHub.bind_url = {public!r}
c.JupyterHub.public_url = {public!r}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.JupyterHub.db_url = "sqlite:///{tmp}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{tmp}/cookie_secret"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.auth_token = "proxy-test-token"
c.ConfigurableHTTPProxy.pid_file = "{tmp}/proxy.pid"
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = {password!r}
c.Authenticator.allowed_users = {{"facilitator", "colleague"}}
# facilitators are hub users with access to the service; "colleague" has a hub account only
c.JupyterHub.load_roles = [
    {{"name": "cct-facilitators", "users": ["facilitator"],
      "scopes": ["access:services!service=cct"]}},
]
c.JupyterHub.services = [
    {{
        "name": "cct",
        "url": "http://127.0.0.1:{service_port}",
        "command": {command!r},
        "environment": {environment!r},
        "oauth_no_confirm": True,
    }}
]
"""


def require_proxy() -> Path:
    if PROXY.exists():
        return PROXY
    message = f"configurable-http-proxy not found at {PROXY}: npm ci --prefix tests/node"
    if os.environ.get("CI"):
        pytest.fail(message + " (.ci/run should have run it)")
    pytest.skip(message)


def _get(url: str, **kwargs) -> requests.Response | None:
    try:
        return requests.get(url, timeout=10, allow_redirects=False, **kwargs)
    except requests.RequestException:
        return None


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db')}/reflections.sqlite"
    upgrade_schema(url).engine.dispose()  # as the administrator does with `cct db upgrade`
    return url


@pytest.fixture(scope="module")
def hub(store_url, tmp_path_factory):
    """JupyterHub on a free loopback port, its proxy, and `cct serve` as its managed service;
    yields the hub's public URL, the hub's process and its log (the service's output too)."""
    proxy = require_proxy()
    require_chromium()
    tmp = tmp_path_factory.mktemp("hub")
    port = free_port()
    public = f"http://127.0.0.1:{port}/"
    (tmp / "cct_config.py").write_text(
        'c.Server.template = "cct"\nc.Server.app_pool_size = 0\n', encoding="utf-8"
    )
    command = [
        str(Path(sys.executable).with_name("cct")),
        "serve",
        f"--config={tmp / 'cct_config.py'}",
        f"--plans-dir={write_plans(tmp / 'plans')}",
        "--pool-size=1",
        "--no-browser",
    ]  # no --port, no --base-url: the hub's JUPYTERHUB_SERVICE_URL and _PREFIX say them
    kept = ("HOME", "TMPDIR", "LANG", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    environment = {
        **{k: v for k, v in os.environ.items() if k.startswith("CCT_") or k in kept},
        "CCT_DATABASE_URL": store_url,
    }
    (tmp / "jupyterhub_config.py").write_text(
        HUB_CONFIG.format(
            public=public,
            hub_port=free_port(),
            tmp=tmp,
            proxy=str(proxy),
            proxy_api_port=free_port(),
            password=HUB_PASSWORD,
            service_port=free_port(),
            command=command,
            environment=environment,
        ),
        encoding="utf-8",
    )
    log = open(tmp / "hub.log", "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(tmp / "jupyterhub_config.py")],
        cwd=tmp,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "CONFIGPROXY_AUTH_TOKEN": "proxy-test-token"},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            answer = _get(f"{public}services/cct/health")
            if answer is not None and answer.status_code == 200:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"the hub or its service did not start:\n{log.read()[-4000:]}")
            time.sleep(0.5)
        yield public, process, tmp / "hub.log"
    finally:
        _stop(process)  # the last test stops it itself and counts what is left
        log.close()


def _stop(process: subprocess.Popen) -> list[psutil.Process]:
    """SIGTERM to the hub (it stops its service and its proxy); returns what outlived it,
    killed."""
    try:
        family = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    _gone, alive = psutil.wait_procs(family, timeout=30)
    left = []
    for survivor in alive:
        try:
            if survivor.status() != psutil.STATUS_ZOMBIE:
                left.append(survivor)
                survivor.kill()
        except psutil.NoSuchProcess:
            continue
    return left


# -- reading the hub's variables (no hub needed) ---------------------------------------------
MANAGED = {
    "JUPYTERHUB_API_TOKEN": "secret-api-token",
    "JUPYTERHUB_SERVICE_NAME": "cct",
    "JUPYTERHUB_SERVICE_PREFIX": "/services/cct/",
    "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:10101",
    "JUPYTERHUB_API_URL": "http://127.0.0.1:8081/hub/api",
    "JUPYTERHUB_BASE_URL": "/",
    "JUPYTERHUB_CLIENT_ID": "service-cct",
    "JUPYTERHUB_OAUTH_ACCESS_SCOPES": json.dumps(["access:services!service=cct"]),
    "JUPYTERHUB_PUBLIC_URL": "https://hub.example.org/services/cct/",
}


def test_the_hubs_variables_say_where_to_listen_and_who_may_log_in():
    service = from_environment(MANAGED)
    assert service.listen() == {"host": "127.0.0.1", "port": 10101, "base_url": "/services/cct/"}
    assert service.callback_url == "/services/cct/oauth_callback"
    assert service.access_scopes == ("access:services!service=cct",)
    # an external service: the administrator sets the token and the prefix, the rest follows
    external = from_environment(
        {"JUPYTERHUB_API_TOKEN": "t", "JUPYTERHUB_SERVICE_PREFIX": "services/room-a"}
    )
    assert (external.name, external.prefix, external.client_id) == (
        "room-a",
        "/services/room-a/",
        "service-room-a",
    )
    assert external.access_scopes == ("access:services!service=room-a",)
    assert external.listen() == {"base_url": "/services/room-a/"}  # --port says where
    assert from_environment({"JUPYTERHUB_API_TOKEN": "x"}) is None  # a hub's own single-user
    assert from_environment({}) is None
    with pytest.raises(HubError, match="JUPYTERHUB_OAUTH_ACCESS_SCOPES should be a JSON list"):
        from_environment({**MANAGED, "JUPYTERHUB_OAUTH_ACCESS_SCOPES": '"access:services"'})


def test_as_a_hub_service_no_password_is_made_and_kernels_never_see_the_hubs_token(tmp_path):
    service = from_environment(MANAGED)
    config = tmp_path / "cct_config.py"
    config.write_text("", encoding="utf-8")
    room, server = settings(config, **service.listen())
    launch = prepare(room, server, hub=service)
    assert launch.password == "" and launch.hub_login and not launch.password_made
    assert launch.public_url == "https://hub.example.org/services/cct/"  # on the handouts
    assert launch.traits["hub"]["api_token"] == "secret-api-token"
    assert not [k for k in launch.environment if k.startswith("JUPYTERHUB_")]
    assert without_hub({**MANAGED, "PATH": "/bin"}) == {"PATH": "/bin"}


# -- a real hub ------------------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.timeout(900)
def test_a_participant_without_a_hub_account_sends_the_form_through_the_hub(hub, store_url):
    public, *_ = hub
    service = f"{public}services/cct/"
    with chromium_page() as page:
        page.goto(signed_form_url(service, TEST_SESSIONS[0]), timeout=LOAD)
        page.wait_for_selector(".cct-send", timeout=LOAD)  # no login asked
        assert page.url.startswith(service)
        fill_reflection(page, commitment="through the hub")
        page.click(".cct-send")  # over the kernel's websocket, through the hub's proxy
        page.wait_for_selector(".cct-saved", timeout=LOAD)
        kernel_id = json.loads(page.inner_text("#jupyter-config-data"))["kernelId"]
        assert kernel_exists(service.rstrip("/"), kernel_id)
        page.goto("about:blank")  # leaving: the page's shutdown request, XSRF-checked
        deadline = time.monotonic() + 30
        while kernel_exists(service.rstrip("/"), kernel_id):
            assert time.monotonic() < deadline, "the kernel outlived its page"
            time.sleep(0.3)
    assert [r.commitment for r in ReflectionStore(store_url).load()] == ["through the hub"]


SHUTDOWN = """async (url) => {
    const xsrf = (document.cookie.match(/(?:^|;\\s*)_xsrf=([^;]*)/) || [])[1] || "";
    const answer = await fetch(url, {method: "POST", credentials: "same-origin",
                                     headers: {"X-XSRFToken": decodeURIComponent(xsrf)}});
    return answer.status;
}"""


def _log_in_at_the_hub(page, user: str) -> None:
    page.wait_for_url("**/hub/login**", timeout=LOAD)
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", HUB_PASSWORD)
    page.click("[type=submit]")


@pytest.mark.browser
@pytest.mark.timeout(900)
def test_a_facilitator_page_asks_for_the_hub_login_and_opens_after_it(hub):
    public, *_ = hub
    service = f"{public}services/cct/"
    # without a login: the app sends to the login, the counts and sessions are not shown
    assert _get(f"{service}counts").status_code == 403
    to_login = _get(f"{service}voila/render/debrief.ipynb").headers["Location"]
    assert to_login.startswith("/services/cct/login?next=")
    with chromium_page() as page:
        page.goto(f"{service}voila/render/debrief.ipynb", timeout=LOAD)
        _log_in_at_the_hub(page, "facilitator")
        page.wait_for_url(f"{service}voila/render/debrief.ipynb", timeout=LOAD)
        page.wait_for_selector("#jupyter-config-data", state="attached", timeout=LOAD)
        # the app's kernel shut as its page does on leaving, with the XSRF cookie the hub's
        # login left
        kernel_id = json.loads(page.text_content("#jupyter-config-data"))["kernelId"]
        assert page.evaluate(SHUTDOWN, f"{service}voila/api/shutdown/{kernel_id}") == 204
        login = {c["name"]: c for c in page.context.cookies()}["service-cct"]
        assert (
            login["httpOnly"] and login["sameSite"] == "Lax" and login["path"] == "/services/cct/"
        )
        counts = page.request.get(f"{service}counts")
        assert counts.status == 200 and counts.json()[TEST_SESSIONS[0]]["counted"] == 1
        page.goto(service, timeout=LOAD)  # the start page, logged in: sessions and links
        assert page.locator("a[href$='logout']").count() == 1
        page.goto(f"{service}logout", timeout=LOAD)
        assert page.request.get(f"{service}counts").status == 403  # this service's login gone


@pytest.mark.browser
@pytest.mark.timeout(900)
def test_a_hub_user_without_access_to_the_service_stays_out(hub):
    public, *_ = hub
    service = f"{public}services/cct/"
    with chromium_page() as page:
        page.goto(f"{service}voila/render/debrief.ipynb", timeout=LOAD)
        _log_in_at_the_hub(page, "colleague")
        page.wait_for_load_state(timeout=LOAD)
        page.wait_for_selector("text=permission", timeout=LOAD)  # the hub refuses the OAuth
        assert not page.url.startswith(f"{service}voila")
        assert page.request.get(f"{service}counts").status == 403


@pytest.mark.timeout(300)
def test_the_service_says_where_participants_and_facilitators_go(hub):
    public, _, log = hub
    said = log.read_text(encoding="utf-8")
    # the hub's public URL (c.JupyterHub.public_url), not the service's own loopback address
    assert f"Participants' form links and QR codes point to {public}services/cct/" in said
    assert f"log in with your JupyterHub account at {public}services/cct/login" in said
    assert "token" not in said.split("Facilitators:")[1].splitlines()[0]  # no password made
    assert "Traceback" not in said  # refused requests (403) are answered, not crashed on


@pytest.mark.timeout(300)
def test_stopping_the_hub_leaves_no_process(hub):
    _, process, _ = hub
    left = _stop(process)
    assert not left, [p.pid for p in left]
    assert process.returncode is not None
