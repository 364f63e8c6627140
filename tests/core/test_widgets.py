"""The shared controls of the facilitators' apps (core/widgets), without a browser."""

from toolkit.core.widgets import NOTHING, OnDemand


def _opener() -> tuple[OnDemand, list[str]]:
    drawn: list[str] = []

    def draw(value: str) -> str:
        drawn.append(value)
        return f"<p>{value} at {opener.context}</p>"

    opener = OnDemand(draw, "Open a team", picker_class="cct-open", view_class="cct-view")
    return opener, drawn


def test_nothing_is_drawn_until_chosen_and_each_section_once_per_context():
    opener, drawn = _opener()
    assert opener.picker.layout.display == "none"  # nothing offered yet
    opener.set_options([("North desk", "north"), ("East desk", "east")])
    assert drawn == [] and opener.view.value == "" and opener.value == NOTHING
    assert "cct-open" in opener.picker._dom_classes and "cct-view" in opener.view._dom_classes
    opener.value = "north"
    assert opener.view.value == "<p>north at None</p>"
    opener.value = NOTHING  # closed
    assert opener.view.value == ""
    opener.value = "north"  # opened again: kept, not drawn again
    assert drawn == ["north"]
    opener.context = 3  # e.g. another threshold: the open section is drawn again, once
    opener.show()
    opener.show()
    assert opener.view.value == "<p>north at 3</p>" and drawn == ["north", "north"]


def test_new_options_keep_what_is_open_while_it_is_offered():
    opener, drawn = _opener()
    opener.set_options([("North desk", "north"), ("East desk", "east")])
    opener.value = "east"
    opener.set_options([("East desk (withheld)", "east")])  # relabelled, still offered
    assert opener.value == "east" and drawn == ["east"]  # not drawn again, nor north drawn
    opener.set_options([("North desk", "north")])  # no longer offered: closed
    assert opener.value == NOTHING and opener.view.value == "" and drawn == ["east"]
    opener.set_options([])  # nothing to open: the chooser is hidden
    assert opener.picker.layout.display == "none"
    opener.set_options([("North desk", "north")])
    assert opener.picker.layout.display is None
