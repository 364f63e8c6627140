"""Controls the apps share: choices a facilitator ticks, never a list that needs Ctrl-click."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

import ipywidgets as W
import traitlets

#: The facilitators' apps on a phone (390 px) as on a laptop: charts shrink to the width, wide
#: tables scroll inside their own box (as in templates/publish), rows of controls wrap, and a
#: label wraps rather than being cut ("Prepare downlo…"). Every app puts :func:`fit_style` in.
FIT_CSS = """
.cct-app { max-width: 100%; }
.cct-app svg { max-width: 100%; height: auto; }
.cct-app .cct-scrolls { overflow-x: auto; max-width: 100%; }
.cct-app .widget-html { max-width: 100%; }
.cct-app .widget-html-content { min-width: 0; flex: 1 1 auto; }
.cct-app table { display: block; max-width: 100%; overflow-x: auto; position: relative; }
.cct-app .widget-hbox { flex-wrap: wrap; max-width: 100%; }
.cct-app .widget-inline-hbox, .cct-app .widget-toggle-buttons { flex-wrap: wrap; max-width: 100%; }
.cct-app .widget-button, .cct-app .widget-toggle-button, .cct-app .widget-upload {
  max-width: 100%; height: auto; min-height: var(--jp-widgets-inline-height);
  white-space: normal; overflow-wrap: anywhere; }
.cct-app .widget-label, .cct-app .widget-checkbox label {
  white-space: normal; overflow: visible; max-width: 100%; height: auto; }
.cct-app .widget-dropdown select { min-width: 0; max-width: 100%; }
"""


#: a chart shrinks to the width down to this share of its size, then scrolls in its own box
#: (a 9 pt label stays about 7 px high)
SMALLEST_CHART = 0.6


def fitted_chart(svg: str, label: str) -> str:
    """An inline SVG chart that shrinks to a phone's width while it stays legible, and past
    that scrolls sideways in its own box (by keyboard too: the box takes focus)."""
    width = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', svg)
    smallest = f"{float(width.group(1)) * SMALLEST_CHART:.0f}pt" if width else "0"
    return (
        f'<div class="cct-scrolls" role="region" tabindex="0" aria-label="{html.escape(label)}">'
        f'<div style="min-width: {smallest}">{svg}</div></div>'
    )


def fit_style() -> W.HTML:
    """The style that makes an app fit a phone; a widget, so the app carries it wherever it
    is displayed (Voila, JupyterLab)."""
    return W.HTML(f"<style>{FIT_CSS}</style>", layout=W.Layout(display="none"))


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
