"""A participant without a browser: the reflection form over HTTP and the Jupyter kernel and
widget protocol on a websocket, as the page's own client (form_client.js) speaks it.

Thirty of these cost the server what thirty phones cost it, not what thirty Chromiums cost the
machine, so a crowd test measures the server. Used by the suite (culling, crowds) and by
``make bench``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlsplit

import requests
import websocket

CONFIG = re.compile(
    r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.DOTALL
)
# the form's light page ("cct" template) and Voila's lab page put the widget's id differently
OUTPUT = re.compile(
    r'<script type="application/vnd.voila.cell-output\+json">(.*?)</script>', re.DOTALL
)
VIEW = re.compile(
    r'<script type="application/vnd.jupyter.widget-view\+json">(.*?)</script>', re.DOTALL
)


@dataclass
class Visit:
    """One participant's visit: the times they waited, in seconds from arriving."""

    kernel_id: str = ""
    model_id: str = ""
    page_s: float | None = None  # the page with the form's outputs arrived
    usable_s: float | None = None  # the widget's state arrived: the form can be filled in
    confirmed_s: float | None = None  # the kernel confirmed the reflection was saved
    status: str = ""  # what the form answered: "saved" (new) or "already" (sent before)
    submission_id: str = ""  # the form's key, which the browser keeps with the draft
    problem: str = ""
    messages: list[dict] = field(default_factory=list, repr=False)


def message(session: str, msg_type: str, content: dict, metadata: dict | None = None) -> str:
    return json.dumps(
        {
            "header": {
                "msg_id": uuid.uuid4().hex,
                "username": "",
                "session": session,
                "msg_type": msg_type,
                "version": "5.3",
                "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
            "parent_header": {},
            "metadata": metadata or {},
            "content": content,
            "channel": "shell",
            "buffers": [],
        }
    )


def answers(competencies: list[str], commitment: str) -> dict:
    return {
        "before": dict.fromkeys(competencies, 2),
        "now": dict.fromkeys(competencies, 4),
        "prompts": {"description": "A role-play", "action": "Brief the interpreter first"},
        "commitment": commitment,
        "commitment_date": (date.today() + timedelta(days=14)).isoformat(),
        "relevance": 5,
        "usefulness": 4,
    }


class Participant:
    """Opens the form, optionally submits, and leaves (closing the socket, or not)."""

    def __init__(self, url: str, timeout: float = 120):
        self.url = url
        self.timeout = timeout
        self.http = requests.Session()
        self.session = uuid.uuid4().hex
        self.socket: websocket.WebSocket | None = None
        self.visit = Visit()
        self._started = 0.0
        self._control = uuid.uuid4().hex
        self.state: dict = {}

    def _elapsed(self) -> float:
        return time.perf_counter() - self._started

    def open_page(self) -> Visit:
        """The plain GET a phone makes: Voila runs the notebook in a (preheated) kernel."""
        self._started = time.perf_counter()
        page = self.http.get(self.url, timeout=self.timeout)
        page.raise_for_status()
        self.visit.page_s = self._elapsed()
        self.visit.kernel_id = json.loads(CONFIG.search(page.text).group(1))["kernelId"]
        for raw in OUTPUT.findall(page.text):
            view = json.loads(raw).get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if view:
                self.visit.model_id = view["model_id"]
        for raw in VIEW.findall(page.text):
            self.visit.model_id = json.loads(raw)["model_id"]
        if not self.visit.model_id:
            self.visit.problem = "no form on the page"
        return self.visit

    def connect(self) -> Visit:
        """Open the kernel's websocket and read the widget state: the form is usable."""
        parts = urlsplit(self.url)
        base = parts.path.split("voila/render/")[0]
        scheme = "wss" if parts.scheme == "https" else "ws"
        self.socket = websocket.create_connection(
            f"{scheme}://{parts.netloc}{base}api/kernels/{self.visit.kernel_id}/channels"
            f"?session_id={self.session}",
            timeout=self.timeout,
            origin=f"{parts.scheme}://{parts.netloc}",
        )
        self.socket.send(
            message(
                self.session,
                "comm_open",
                {"comm_id": self._control, "target_name": "jupyter.widget.control", "data": {}},
                {"version": "1.0.0"},
            )
        )
        self.socket.send(
            message(
                self.session,
                "comm_msg",
                {"comm_id": self._control, "data": {"method": "request_states"}},
                {"version": "1.0.0"},
            )
        )
        states = self._wait(lambda d, c: c == self._control and d.get("method") == "update_states")
        self.state = states["states"][self.visit.model_id]["state"]
        self.visit.usable_s = self._elapsed()
        return self.visit

    def submit(self, commitment: str, kept_submission: str = "") -> Visit:
        """Fill in the form and send it; done when the kernel says it is saved.

        ``kept_submission``: the draft a browser kept from an earlier visit (its submission id),
        handed to the form first, as the page's script does after a reload."""
        competencies = [c["id"] for c in self.state["competencies"]]
        values = answers(competencies, commitment)
        restore = {
            "event": "restore",
            "state": {"submission_id": kept_submission, "values": values},
        }
        self.visit.submission_id = kept_submission or self.state.get("submission_id", "")
        for data in (
            *([{"method": "custom", "content": restore}] if kept_submission else []),
            {
                "method": "update",
                "state": {"values": values},
                "buffer_paths": [],
            },
            {"method": "custom", "content": {"event": "send", "values": None}},
        ):
            self.socket.send(
                message(
                    self.session,
                    "comm_msg",
                    {"comm_id": self.visit.model_id, "data": data},
                    {"version": "2.1.0"},
                )
            )
        answer = self._wait(
            lambda d, c: (
                c == self.visit.model_id
                and d.get("method") == "update"
                and d.get("state", {}).get("status", {}).get("kind") in ("saved", "already")
            )
        )
        self.visit.status = answer["state"]["status"]["kind"]
        self.visit.confirmed_s = self._elapsed()
        return self.visit

    def leave(self) -> None:
        """Gone, as a phone that is locked or a tab that is closed: the socket just drops."""
        if self.socket is not None:
            self.socket.close()
        self.http.close()

    def _wait(self, wanted) -> dict:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            frame = self.socket.recv()
            if not isinstance(frame, str):
                continue  # a message with binary buffers: the form sends none
            msg = json.loads(frame)
            if msg.get("channel") != "iopub" or msg.get("msg_type") != "comm_msg":
                continue
            content = msg["content"]
            if wanted(content.get("data", {}), content.get("comm_id")):
                return content["data"]
        raise TimeoutError(f"no answer from kernel {self.visit.kernel_id}")


def run_participant(url: str, commitment: str | None = None, stay: bool = False) -> Visit:
    """One participant from arriving to leaving; a problem is recorded, never raised."""
    person = Participant(url)
    try:
        person.open_page()
        if not person.visit.problem:
            person.connect()
            if commitment is not None:
                person.submit(commitment)
    except Exception as exc:  # counted by the caller: a crowd test reports every failure
        person.visit.problem = f"{type(exc).__name__}: {exc}"
    finally:
        if not stay:
            person.leave()
    return person.visit


def kernel_processes(server_pid: int) -> list:
    """The server's kernels as processes: started ones (``ipykernel_launcher``) and forked
    ones (children of the fork server ``cct serve`` keeps, toolkit/serve/kernels.py)."""
    import psutil

    found = []
    for process in psutil.Process(server_pid).children(recursive=True):
        try:
            command = " ".join(process.cmdline())
            parent = process.parent()
            forked = parent is not None and "multiprocessing.forkserver" in " ".join(
                parent.cmdline()
            )
            if process.status() == psutil.STATUS_ZOMBIE:
                continue
        except psutil.Error:
            continue
        if "ipykernel_launcher" in command or forked:
            found.append(process)
    return found
