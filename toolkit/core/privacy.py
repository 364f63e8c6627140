"""Small-group suppression: the one rule for what may be shown.

A figure about fewer people than the threshold is withheld. Higher-level figures (domain
scores, organisation averages, totals) are built *only* from figures that are themselves
shown, so a withheld figure can never be recovered by subtracting shown ones from a total
(secondary suppression by construction, rather than by hunting for complementary cells).
"""

from __future__ import annotations

import os

import numpy as np

from toolkit.core.exceptions import ToolkitError

DEFAULT_THRESHOLD = 5
MINIMUM_THRESHOLD = 2
# set by `cct serve` for its kernels: the lowest threshold any page of that server may use
FLOOR_ENV = "CCT_PRIVACY_THRESHOLD"


def threshold_floor() -> int:
    """The server's threshold (``cct serve``), below which no page may go; else the minimum."""
    try:
        return max(MINIMUM_THRESHOLD, int(os.environ.get(FLOOR_ENV, MINIMUM_THRESHOLD)))
    except ValueError:
        return DEFAULT_THRESHOLD  # a garbled setting errs on the side of withholding


class ThresholdError(ToolkitError, ValueError):
    """Raised when the privacy threshold is not a usable whole number."""


def check_threshold(threshold: object) -> int:
    """Return the threshold as an int, or say plainly what is allowed."""
    try:
        value = int(threshold)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ThresholdError(
            f"The privacy threshold must be a whole number, got {threshold!r}"
        ) from None
    if value != threshold and not isinstance(threshold, str):
        raise ThresholdError(f"The privacy threshold must be a whole number, got {threshold!r}")
    if value < MINIMUM_THRESHOLD:
        raise ThresholdError(
            f"The privacy threshold must be at least {MINIMUM_THRESHOLD} (got {value}): "
            "below that, single people's answers would be shown"
        )
    # a viewer of a served page cannot go below the server's setting, whatever the page sends
    return max(value, threshold_floor())


def shown(counts: np.ndarray, threshold: int) -> np.ndarray:
    """True where a figure about ``counts`` people may be shown."""
    return np.asarray(counts) >= threshold


def withheld_note(threshold: int) -> str:
    return (
        f"Figures about fewer than {threshold} people are withheld, and totals are built only "
        "from figures that are shown, so withheld figures cannot be worked out by subtraction."
    )
