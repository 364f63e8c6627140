"""Controls the apps share: choices a facilitator ticks, never a list that needs Ctrl-click."""

from __future__ import annotations

import html
from collections.abc import Iterable

import ipywidgets as W
import traitlets


class CheckList(W.VBox):
    """Several choices as tick boxes under a heading; ``value`` is the tuple of ticked values,
    observable like any widget's (``observe(handler, "value")``). Long lists scroll inside."""

    value = traitlets.Tuple()

    def __init__(
        self,
        options: Iterable[tuple[str, str]] = (),
        value: Iterable[str] = (),
        description: str = "",
        css_class: str | None = None,
    ):
        self._heading = W.HTML(f"<strong>{html.escape(description)}</strong>")
        self._list = W.VBox(layout=W.Layout(max_height="14rem", overflow="auto", width="auto"))
        super().__init__([self._heading, self._list], layout=W.Layout(min_width="16rem"))
        if css_class:
            self.add_class(css_class)
        self.set_options(options, value)

    @property
    def options(self) -> list[tuple[str, str]]:
        return [(box.description, v) for v, box in self._boxes.items()]

    def set_options(self, options: Iterable[tuple[str, str]], value: Iterable[str] = ()) -> None:
        """Replace the choices (label, value), ticking those in ``value``."""
        ticked = set(value)
        self._boxes = {
            v: W.Checkbox(
                value=v in ticked,
                description=label,
                indent=False,
                layout=W.Layout(width="auto"),
            )
            for label, v in options
        }
        for box in self._boxes.values():
            box.observe(self._changed, "value")
        self._list.children = list(self._boxes.values())
        self.value = tuple(v for v, box in self._boxes.items() if box.value)

    def _changed(self, _change=None) -> None:
        self.value = tuple(v for v, box in self._boxes.items() if box.value)
