"""The reflection form on a phone: how tall it is at 390 px, and how long a participant takes.

``python -m benchmarks.form_phone`` serves the form (``cct serve``, as in the tests), opens a
signed link in headless Chromium at 390 × 844 px (a common phone), and for 2, 6 and 10
competencies (10 is the most any sample plan covers) prints:

* **height** — ``document.scrollingElement.scrollHeight`` of the form as it opens;
* **taps / typed** — what the required answers take: two ratings per competency, the date,
  two ratings of the session, Send; the characters of a one-line commitment;
* **paced** — a scripted participant at human pace, wall clock from the form being usable to
  the confirmation: ``READ_S`` before each question (the keystroke-level model's mental
  operator, Card, Moran & Newell 1980: 1.35 s) and ``TYPE_S`` per character (about 36 words a
  minute, the mean phone typing speed in Palin et al. 2019, "How do people type on mobile
  devices?", MobileHCI); the server's own time to check and store is included;
* **scripted** — the same answers with no pauses: the part the machine adds.

Five minutes is the promise on the form; the optional prompts and the personal code are folded
and not counted.
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser import chromium_page, signed_form_url, voila_server  # noqa: E402
from toolkit.core.framework import default_framework  # noqa: E402

READ_S = 1.35
TYPE_S = 0.33
COMMITMENT = "Ask each client which language they prefer before booking"
SESSION = "intake_north-20270201-0930"
LOAD_MS = 120_000


def complete(page, competencies: int, paced: bool) -> tuple[float, int]:
    """Fill in every required answer and send; seconds to the confirmation, taps made."""
    pause = (lambda: page.wait_for_timeout(READ_S * 1000)) if paced else (lambda: None)
    taps = 0
    started = time.perf_counter()

    def tap(css: str) -> None:
        nonlocal taps
        pause()
        page.check(css)
        taps += 1

    for k in range(competencies):
        tap(f".cct-before-{k} input[data-value='2']")
        tap(f".cct-now-{k} input[data-value='4']")
    pause()
    page.type(".cct-commitment textarea", COMMITMENT, delay=TYPE_S * 1000 if paced else 0)
    pause()
    page.fill(".cct-commitment-date input", (date.today() + timedelta(days=14)).isoformat())
    taps += 3  # open the date picker, choose a day, close it
    tap(".cct-relevance input[data-value='5']")
    tap(".cct-usefulness input[data-value='4']")
    pause()
    page.click(".cct-send")
    taps += 1
    page.wait_for_selector(".cct-saved", timeout=LOAD_MS)
    return time.perf_counter() - started, taps


def main() -> None:
    ids = [c.id for c in default_framework().competencies]
    print("Reflection form at 390 px in headless Chromium (cct serve, signed link)")
    print(
        f"{'competencies':>12} {'height px':>10} {'taps':>5} {'typed':>6} "
        f"{'paced s':>8} {'scripted s':>10}"
    )
    with voila_server() as url:
        for n in (2, 6, 10):
            figures = {}
            for paced in (False, True):
                with chromium_page() as page:
                    page.set_viewport_size({"width": 390, "height": 844})
                    page.goto(signed_form_url(url, SESSION, "en", ids[:n]), timeout=LOAD_MS)
                    page.wait_for_selector(".cct-send", timeout=LOAD_MS)
                    figures["height"] = page.evaluate("document.scrollingElement.scrollHeight")
                    figures[paced], figures["taps"] = complete(page, n, paced)
            print(
                f"{n:>12} {figures['height']:>10} {figures['taps']:>5} {len(COMMITMENT):>6} "
                f"{figures[True]:>8.1f} {figures[False]:>10.1f}"
            )


if __name__ == "__main__":
    main()
