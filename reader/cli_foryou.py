"""`reader watch` and `reader why`: the watchlist and the reasons of the "for you" order."""

from __future__ import annotations

from collections.abc import Sequence

import click

from reader.cli_common import Context, UserError, pass_context, user_errors
from reader.text import terminal_safe

# No short options at all (not even -h): `-diffusion` or `-hopper` is a watch entry, never a flag.
_ENTRY_ARGS = {"ignore_unknown_options": True, "help_option_names": ["--help"]}


@click.command("watch", context_settings=_ENTRY_ARGS)
@click.argument("entries", nargs=-1, metavar='[+WORD|-WORD|+"A PHRASE"|+author:NAME|~WORD]...')
@click.option("--clear", is_flag=True, help="Empty the watchlist (before adding what is given).")
@pass_context
@user_errors
def watch_cmd(obj: Context, entries: Sequence[str], clear: bool) -> None:
    """Boost (+) or sink (-) papers by word, phrase or author in the "for you" order.

    `~WORD` removes an entry. With nothing given, prints the watchlist.
    Example: reader watch +"reward model" +author:hopper -diffusion
    """
    from reader import foryou

    try:
        changes = [foryou.parse_watch(entry) for entry in entries]
    except ValueError as exc:
        raise UserError(f"watch: {exc}") from None
    if not changes and not clear:
        with obj.library(readonly=True) as library:
            current = foryou.watchlist(library)
        click.echo(terminal_safe(" ".join(e.label for e in current)) if current else "the watchlist is empty")
        return
    with obj.library() as library:
        current = [] if clear else foryou.watchlist(library)
        for op, entry in changes:
            current = foryou.apply_watch(current, op, entry)
        foryou.save_watchlist(library, current)
    click.echo(terminal_safe(" ".join(e.label for e in current)) if current else "the watchlist is empty")


@click.command("why")
@click.argument("paper_id")
@pass_context
@user_errors
def why_cmd(obj: Context, paper_id: str) -> None:
    """Why a paper stands where it does in the "for you" order: score and reason."""
    from reader import foryou

    with obj.library(readonly=True) as library:
        pid = library.resolve(paper_id)
        ranker = foryou.ranker(library)
        paper = library.paper(pid)
        ranked = ranker.explain(paper, library.state(pid).tags)
    click.echo(terminal_safe(f"{paper.title}\nscore {ranked.score:.2f} · {ranked.reason}"))


foryou_commands = [watch_cmd, why_cmd]
