"""reader.tui.safe: untrusted text is cleaned and always drawn literally, in every widget we use."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from reader.tui import safe

HOSTILE = [
    "[@click=app.quit]Click[/]",
    "[@click=app.boom]Boom[/]",
    "a [/] b",
    "x [/",
    '[link="https://x"]y[/link]',
    "Title [Is] Here",
    "Costs $var and $accent",
    "[b]bold[/b] and [red]red[/]",
]
CONTROLS = [
    ("Clear \x1b[2J the screen", "Clear the screen"),
    ("Clip \x1b]52;c;aGVsbG8=\x07 board", "Clip board"),
    ("Evil \u202etxt.exe\u202c name", "Evil txt.exe name"),
    ("Bell\x07 and \x00 nul", "Bell and nul"),
    ("C1 \x9b2J csi and \x9d0;title\x9c osc", "C1 csi and osc"),
]
CONTROL_CHARS = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} | set(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def has_controls(text: str, allowed: str = "") -> bool:
    return any(c in CONTROL_CHARS and c not in allowed for c in text)


# -- cleaning ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "clean"), CONTROLS)
def test_plain_removes_escapes_controls_and_bidi(raw: str, clean: str) -> None:
    assert safe.plain(raw) == clean


def test_plain_is_one_line_and_block_keeps_lines() -> None:
    assert safe.plain("one\ntwo\r\nthree\tfour") == "one two three four"
    assert safe.block("one\ntwo\r\nthree\tfour\x1b[31m") == "one\ntwo\nthree\tfour"


# -- literal content --------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_literal_never_parses_markup(text: str) -> None:
    content = safe.literal(text)
    assert isinstance(content, Content)
    assert content.plain == text
    assert not content.spans


def test_literal_style_covers_the_text_and_keeps_newlines() -> None:
    content = safe.literal("line [b]one[/b]\nline two\x1b[2J", "bold")
    assert content.plain == "line [b]one[/b]\nline two"
    assert [(s.start, s.end, s.style) for s in content.spans] == [(0, len(content.plain), "bold")]
    assert safe.literal("") == Content("")


def test_assemble_cleans_strings_and_keeps_styles_and_content() -> None:
    content = safe.assemble(
        "Title: ",
        ("[@click=app.quit]x[/]\x1b]52;c;aGk=\x07", "bold"),
        " ",
        safe.literal("a [/] b", "italic"),
        " \x1b[2J$var",
    )
    assert content.plain == "Title: [@click=app.quit]x[/] a [/] b $var"
    spans = [(content.plain[s.start : s.end], s.style) for s in content.spans]
    assert spans == [("[@click=app.quit]x[/]", "bold"), ("a [/] b", "italic")]


def test_highlighted_styles_spans_of_the_cleaned_text() -> None:
    content = safe.highlighted("Attention [is] all", [(0, 9), (10, 14), (15, 99), (-5, 0), (7, 3)], "bold")
    assert content.plain == "Attention [is] all"
    assert [content.plain[s.start : s.end] for s in content.spans] == ["Attention", "[is]", "all"]
    assert {s.style for s in content.spans} == {"bold"}
    assert safe.highlighted("x\x1b[2J\ny", []).plain == "x y"
    assert safe.highlighted("plain", [(0, 2)]).spans[0].style == safe.MATCH_STYLE


@given(st.text(), st.lists(st.tuples(st.integers(-50, 200), st.integers(-50, 200)), max_size=5))
def test_any_text_renders_without_control_bytes(text: str, spans: list[tuple[int, int]]) -> None:
    for content in (
        safe.literal(text, "bold"),
        safe.assemble(text, (text, "italic"), safe.literal(text)),
        safe.highlighted(text, spans),
    ):
        for segment in content.render_segments():
            assert not has_controls(segment.text, allowed="\n\t")
    assert not has_controls(safe.plain(text))
    assert not has_controls(safe.block(text), allowed="\n\t")


# -- through real widgets ----------------------------------------------------------------------


class WidgetsApp(App[None]):
    """Hostile text through the widgets the app uses, the way the app must build it."""

    CSS = "#static { border: round $accent; height: 3; }"

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.booms = 0

    def compose(self) -> ComposeResult:
        static = Static(safe.literal(self.text), id="static")
        static.border_title = safe.literal(self.text)
        yield static
        yield Label(safe.assemble("Label: ", (self.text, "bold")), id="label")
        yield Static(safe.highlighted(self.text, [(0, 3)]), id="highlighted")
        yield OptionList(Option(safe.literal(self.text)), Option(safe.literal("second")), id="options")

    def action_boom(self) -> None:
        self.booms += 1


def visible(widget: Static) -> str:
    """The plain text a `Static` shows."""
    visual = widget.visual
    assert isinstance(visual, Content)
    return visual.plain


def screen_segments(app: App[None]) -> list[str]:
    return [segment.text for strip in app.screen._compositor.render_strips() for segment in strip]


@pytest.mark.parametrize("text", HOSTILE + [raw for raw, _ in CONTROLS])
async def test_hostile_text_through_widgets_is_literal_and_inert(text: str) -> None:
    shown = safe.block(text)  # literal and assemble keep spacing; highlighted is one clean line
    app = WidgetsApp(text)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        assert visible(app.query_one("#static", Static)) == shown
        assert visible(app.query_one("#label", Label)) == f"Label: {shown}"
        assert visible(app.query_one("#highlighted", Static)) == safe.plain(text)
        screen = "".join(screen_segments(app))
        assert screen.count(shown) >= 4  # the static, its border title, the label, the option
        assert safe.plain(text) in screen
        assert not any(has_controls(segment) for segment in screen_segments(app))
        for selector in ("#static", "#label", "#highlighted", "#options"):
            for x in (0, 4, 12):
                await pilot.click(selector, offset=(x, 0))
        await pilot.pause()
        assert app.is_running
        assert app.booms == 0
