"""Measuring helpers shared by the benchmarks: timing, peak memory, subprocesses, formatting."""

from __future__ import annotations

import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
T = TypeVar("T")


def max_rss_bytes() -> int:
    """This process's peak resident set size so far (ru_maxrss is in KiB on Linux)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def reset_peak_rss() -> bool:
    """Reset the kernel's RSS high-water mark to the current RSS (Linux ≥ 4.0).

    Without it, a peak reached while *preparing* a call would hide a smaller peak of the call
    itself, and the before/after difference would only be a lower bound.
    """
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def measure_call(fn: Callable[[], T], runs: int, traced: bool = False) -> tuple[dict, T]:
    """Time ``fn`` ``runs`` times; peak RSS increase of the first (cold) call.

    The RSS figure is ru_maxrss after the first call minus ru_maxrss just before it, with the
    high-water mark reset first where the kernel allows. With ``traced``, one extra untimed call
    under tracemalloc gives the peak of memory allocated through Python's and numpy's allocators
    (tracing slows allocation-heavy Python code down many times, hence optional). Returns the
    figures and the first call's result.
    """
    times = []
    rss = {}
    first = None
    for k in range(runs):
        gc.collect()
        if k == 0:
            rss["reset"] = reset_peak_rss()
            rss["before"] = max_rss_bytes()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        if k == 0:
            rss["after"] = max_rss_bytes()
            first = result
        del result
    figures = {
        "times": times,
        "rss_increase": rss["after"] - rss["before"],
        "rss_before": rss["before"],
        "rss_reset": rss["reset"],
    }
    if traced:
        gc.collect()
        tracemalloc.start()
        result = fn()
        figures["traced_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del result
    return figures, first


def interleaved(calls: dict[str, Callable[[], object]], runs: int) -> dict[str, dict]:
    """Run the calls in turns, ``runs`` rounds, so that every call meets the same load.

    Each call gets its CPU seconds (``time.process_time``: this process's own work, which the
    other processes of a shared machine do not inflate) and its wall-clock seconds, one per
    round. A ratio of two calls is best read per round (:func:`paired_ratio`)."""
    out = {name: {"cpu": [], "wall": []} for name in calls}
    for _ in range(runs):
        for name, call in calls.items():
            gc.collect()
            cpu, wall = time.process_time(), time.perf_counter()
            result = call()
            out[name]["cpu"].append(time.process_time() - cpu)
            out[name]["wall"].append(time.perf_counter() - wall)
            del result
    return out


def paired_ratio(figures: dict[str, dict], top: str, bottom: str, clock: str = "cpu") -> dict:
    """``top`` over ``bottom`` round by round: the median and the range of the ratios."""
    ratios = [a / b for a, b in zip(figures[top][clock], figures[bottom][clock], strict=True)]
    return {"median": statistics.median(ratios), "low": min(ratios), "high": max(ratios)}


def ratio_text(figures: dict[str, dict], top: str, bottom: str) -> str:
    """'1.42× CPU (1.38–1.51 over 5 rounds), 1.45× wall (1.21–1.90)'."""
    cpu, wall = (paired_ratio(figures, top, bottom, c) for c in ("cpu", "wall"))
    rounds = len(figures[top]["cpu"])
    return (
        f"{cpu['median']:.2f}× CPU ({cpu['low']:.2f}–{cpu['high']:.2f} over {rounds} rounds), "
        f"{wall['median']:.2f}× wall clock ({wall['low']:.2f}–{wall['high']:.2f})"
    )


def run_worker(module: str, *args: str, timeout: float = 120) -> dict:
    """Run ``python -m benchmarks.<module> args…`` in a fresh process; it prints one JSON line."""
    proc = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark worker {module} {args} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def time_process(argv: list[str], runs: int, env: dict | None = None) -> tuple[list[float], str]:
    """Wall-clock seconds of ``runs`` fresh processes, and the last one's stdout."""
    times, out = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(
            argv, cwd=ROOT, capture_output=True, text=True, env=env, timeout=120, check=False
        )
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed:\n{proc.stderr}")
        out = proc.stdout
    return times, out


def child_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.update(extra)
    return env


def median(values: list[float]) -> float:
    return statistics.median(values)


def seconds(value: float) -> str:
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def megabytes(value: float) -> str:
    return f"{value / MB:.0f} MB"


def table(header: list[str], rows: list[list[str]], left: tuple[int, ...] = (0,)) -> str:
    """A plain fixed-width table: columns in ``left`` left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i in left else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    return "\n".join(s.rstrip() for s in [line(header), rule, *(line(r) for r in rows)])
