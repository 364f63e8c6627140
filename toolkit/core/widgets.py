"""Controls the apps share: choices a facilitator ticks, never a list that needs Ctrl-click."""

from __future__ import annotations

import html
from collections.abc import Callable, Hashable, Iterable

import ipywidgets as W
import traitlets

#: The facilitators' apps on a phone (390 px) as on a laptop: charts shrink to the width, wide
#: tables scroll inside their own box (as in templates/publish), rows of controls wrap, and a
#: label wraps rather than being cut ("Prepare downlo…"). Every app puts :func:`fit_style` in.
FIT_CSS = """
.cct-app { max-width: 100%; }
.cct-app svg { max-width: 100%; height: auto; }
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


#: an :class:`OnDemand` chooser's first entry: nothing opened
NOTHING = ""


class OnDemand(W.VBox):
    """A chooser and, below it, the chosen item's section, drawn only when it is chosen and
    kept for the rest of the visit: the apps open with their overview at once instead of
    drawing every team's charts first (seconds each).

    ``draw(value)`` returns the section's HTML. A section is kept under ``(context, value)``:
    an owner whose sections depend on its other settings (a threshold, a selection) sets
    :attr:`context`, and a changed setting draws the open section again, once.
    """

    def __init__(
        self,
        draw: Callable[[str], str],
        description: str,
        prompt: str = "Choose …",
        picker_class: str = "",
        view_class: str = "",
    ):
        self._draw = draw
        self.prompt = prompt
        self.context: Hashable = None
        #: sections drawn in this visit, by (context, value)
        self.drawn: dict[tuple[Hashable, str], str] = {}
        self._quiet = False
        self.picker = W.Dropdown(
            options=[(prompt, NOTHING)],
            value=NOTHING,
            description=description,
            style={"description_width": "initial"},
            layout=W.Layout(width="auto", max_width="100%", display="none"),  # nothing offered
        )
        self.view = W.HTML()
        if picker_class:
            self.picker.add_class(picker_class)
        if view_class:
            self.view.add_class(view_class)
        self.picker.observe(lambda _change: self.show(), names="value")
        super().__init__([self.picker, self.view])

    @property
    def value(self) -> str:
        """What is open: a value of the options, or :data:`NOTHING`."""
        return self.picker.value

    @value.setter
    def value(self, value: str) -> None:
        self.picker.value = value

    def set_options(self, options: Iterable[tuple[str, str]]) -> None:
        """Offer these (label, value) choices after the prompt; what is open stays open while it
        is still offered. With nothing to offer, the chooser is hidden."""
        options = [(self.prompt, NOTHING), *options]
        opened = self.picker.value if self.picker.value in {v for _, v in options} else NOTHING
        self._quiet = True  # new options select the first one for a moment: not an opening
        try:
            self.picker.options = options
            self.picker.value = opened
        finally:
            self._quiet = False
        self.picker.layout.display = None if len(options) > 1 else "none"
        self.show()

    def show(self) -> None:
        """Show the open section, drawing it the first time in this context."""
        if self._quiet:
            return
        value = self.picker.value
        if value == NOTHING:
            self.view.value = ""
            return
        key = (self.context, value)
        if key not in self.drawn:
            self.drawn[key] = self._draw(value)
        self.view.value = self.drawn[key]
