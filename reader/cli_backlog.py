"""`reader snooze`, `reader review` and `reader stats`: the backlog and the reading funnel."""

from __future__ import annotations

from collections.abc import Sequence

import click
import orjson

from reader import backlog
from reader.cli_common import Context, UserError, parse_date, pass_context, user_errors
from reader.models import Status
from reader.text import json_terminal_safe, terminal_safe


@click.command("snooze")
@click.argument("args", nargs=-1, required=True, metavar="ID... DATE")
@pass_context
@user_errors
def snooze_cmd(obj: Context, args: Sequence[str]) -> None:
    """Put papers away until DATE; they come back to the inbox on that day.

    DATE is YYYY-MM-DD, tomorrow, next-week, +3d or +2w.
    """
    if len(args) < 2:
        raise UserError("give one or more paper ids and then a day, e.g. `reader snooze 2507.12345 next-week`")
    until = backlog.parse_until(args[-1], backlog.today())
    with obj.library() as library:
        ids = list(dict.fromkeys(library.resolve(ref) for ref in args[:-1]))
        library.snooze(ids, until)
    click.echo(f"{len(ids)} snoozed until {until.isoformat()}")


REVIEW_KEYS = {"k": "keep", "r": "read now", "s": "skip", "z": "snooze a week", "q": "quit"}


@click.command("review")
@pass_context
@user_errors
def review_cmd(obj: Context) -> None:
    """Walk the stale to-read papers, one key each: keep, read now, skip, snooze, quit.

    Stale: to-read for more than $READER_STALE_DAYS days (default 30) since triage or the
    last review that kept it. Every answer is saved at once.
    """
    now = backlog.today()
    limit = backlog.stale_days()
    with obj.library() as library:
        ids = backlog.stale_ids(library.states, library.sort_key, now, limit)
        if not ids:
            click.echo(f"nothing stale: no paper has been in to-read for more than {limit} days")
            return
        click.echo(f"{len(ids)} stale papers (to-read for more than {limit} days)")
        tally = dict.fromkeys(("keep", "read now", "skip", "snooze a week"), 0)
        prompt = "  ".join(f"[{key}] {name}" for key, name in REVIEW_KEYS.items())
        for n, pid in enumerate(ids, 1):
            paper, state = library.paper(pid), library.state(pid)
            age = backlog.age_days(state, now)
            click.echo(terminal_safe(f"\n{n}/{len(ids)}  {paper.title}  ({pid}, {age}d in to-read)"))
            try:
                answer = click.prompt(prompt, type=click.Choice(list(REVIEW_KEYS)), show_choices=False)
            except click.Abort:  # end of input or ctrl+c: what was answered is saved
                click.echo()
                break
            if answer == "q":
                break
            if answer == "k":
                library.keep(pid)
            elif answer == "r":
                cap = backlog.reading_cap()
                if backlog.over_cap(library.ids(status=Status.READING), [pid], cap):
                    click.echo(f"reading is full ({cap}): kept in to-read; finish or park one first")
                    library.keep(pid)
                    answer = "k"
                else:
                    library.set_status(pid, Status.READING)
            elif answer == "s":
                library.set_status(pid, Status.SKIPPED)
            else:
                library.snooze(pid, backlog.parse_until("next-week", now))
            tally[REVIEW_KEYS[answer]] += 1
    click.echo(", ".join(f"{count} {name}" for name, count in tally.items()))


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
@click.option("--since", metavar="YYYY-MM-DD", help="Only featured days (and weeks, backlog) from this day on.")
@pass_context
@user_errors
def stats_cmd(obj: Context, as_json: bool, since: str | None) -> None:
    """Per featured day: papers by status; weekly throughput, time to done, streaks, backlog."""
    from reader.stats import compute, summary_lines

    start = parse_date(since, "--since")
    with obj.library(readonly=True) as library:
        stats = compute(library, today=backlog.today(), since=start)
    if as_json:
        text = orjson.dumps(stats.to_dict(), option=orjson.OPT_INDENT_2).decode()
        click.echo(json_terminal_safe(text))
        return
    click.echo("\n".join(summary_lines(stats)))


backlog_commands = [snooze_cmd, review_cmd, stats_cmd]
