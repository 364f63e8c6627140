"""Small-group suppression: the one rule for what may be shown.

A figure about fewer people than the threshold is withheld. Higher-level figures (domain
scores, organisation averages, totals) are built *only* from figures that are themselves
shown, so a withheld figure can never be recovered by subtracting shown ones from a total
(secondary suppression by construction, rather than by hunting for complementary cells).
"""

from __future__ import annotations

import numpy as np

from toolkit.core.exceptions import ToolkitError

DEFAULT_THRESHOLD = 5
MINIMUM_THRESHOLD = 2


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
    return value


def shown(counts: np.ndarray, threshold: int) -> np.ndarray:
    """True where a figure about ``counts`` people may be shown."""
    return np.asarray(counts) >= threshold


def withheld_note(threshold: int) -> str:
    return (
        f"Figures about fewer than {threshold} people are withheld, and totals are built only "
        "from figures that are shown, so withheld figures cannot be worked out by subtraction."
    )
