"""Keeping the backlog honest: the clock, snooze dates, ages, stale papers and the reading cap.

Textual-free and store-free: plain functions over `UserState` records, so the library, the
command line, the search language and the app share one definition of each rule.

Settings (environment variables, read when asked):

    READER_TODAY=YYYY-MM-DD   the day reader believes it is (tests and scripts; default: today)
    READER_STALE_DAYS=N       a to-read paper is stale after N days (default 30)
    READER_READING_CAP=N      at most N papers in reading at once (default: no cap)
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from datetime import date, timedelta

from reader.models import Status, UserState

TODAY_VAR = "READER_TODAY"
STALE_VAR = "READER_STALE_DAYS"
CAP_VAR = "READER_READING_CAP"
DEFAULT_STALE_DAYS = 30


class SettingError(ValueError):
    """A date or setting the user gave cannot be read (the message says which and why)."""


def today() -> date:
    """The day it is: `READER_TODAY` when set (the injectable clock), else the local date."""
    value = os.environ.get(TODAY_VAR, "").strip()
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SettingError(f"{TODAY_VAR}={value!r} is not a date in the form YYYY-MM-DD") from None


def _positive_setting(name: str, default: int | None) -> int | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 1:
        raise SettingError(f"{name}={value!r} is not a whole number of 1 or more")
    return number


def stale_days() -> int:
    """After how many days in to-read a paper is stale (`READER_STALE_DAYS`, default 30)."""
    found = _positive_setting(STALE_VAR, DEFAULT_STALE_DAYS)
    assert found is not None
    return found


def reading_cap() -> int | None:
    """The most papers allowed in reading at once (`READER_READING_CAP`), or None for no cap."""
    return _positive_setting(CAP_VAR, None)


# -- dates ---------------------------------------------------------------------------------------

_RELATIVE = re.compile(r"^\+(\d{1,4})([dw])$")


def parse_until(text: str, now: date) -> date:
    """A snooze date as the user types it: `YYYY-MM-DD`, `tomorrow`, `next-week`, `+3d`, `+2w`.

    The day must be after `now` (a paper snoozed until today or earlier would never leave).
    """
    value = text.strip().lower().replace("_", "-").replace(" ", "-")
    if value == "tomorrow":
        found = now + timedelta(days=1)
    elif value in ("next-week", "nextweek", "week"):
        found = now + timedelta(days=7)
    elif match := _RELATIVE.match(value):
        count = int(match.group(1))
        found = now + timedelta(days=count * (7 if match.group(2) == "w" else 1))
    else:
        try:
            found = date.fromisoformat(value)
        except ValueError:
            raise SettingError(f"{text!r} is not a day: give YYYY-MM-DD, tomorrow, next-week, +3d or +2w") from None
    if found <= now:
        raise SettingError(f"{text!r} is not after today ({now.isoformat()}): snooze until a later day")
    return found


def stamp_day(stamp: str | None) -> date | None:
    """The date of an ISO timestamp (`2025-07-31T08:00:00Z` or `2025-07-31`), or None."""
    if not stamp or len(stamp) < 10:
        return None
    try:
        return date.fromisoformat(stamp[:10])
    except ValueError:
        return None


def snooze_note(state: UserState) -> str | None:
    """`until 2025-08-07 (snoozed 2025-07-31)`; once back: `back since 2025-08-07 (snoozed 2025-07-31)`."""
    if not state.snoozed_at:
        return None
    when = state.snoozed_at[:10]
    if state.status is Status.SNOOZED:
        return f"until {state.snoozed_until} (snoozed {when})"
    return f"back since {state.snoozed_until} (snoozed {when})"


# -- age and stale -------------------------------------------------------------------------------


def age_since(state: UserState) -> str | None:
    """The stamp a backlog paper's age counts from: started (reading) or triaged (to-read)."""
    if state.status is Status.READING:
        return state.started_at or state.triaged_at or state.updated_at
    if state.status is Status.TO_READ:
        return state.triaged_at or state.updated_at
    return None


def age_days(state: UserState, now: date) -> int | None:
    """How many days a to-read or reading paper has sat in its status; None for other statuses."""
    since = stamp_day(age_since(state))
    return None if since is None else max(0, (now - since).days)


def age_label(days: int) -> str:
    """An age as a list shows it: `3d`, `12d`, `20w` from 100 days, `3y` from 1000 days."""
    if days < 100:
        return f"{days}d"
    if days < 1000:
        return f"{days // 7}w"
    return f"{days // 365}y"


def is_stale(state: UserState | None, now: date, limit: int) -> bool:
    """A to-read paper untouched by a review for more than `limit` days since it was triaged."""
    if state is None or state.status is not Status.TO_READ:
        return False
    since = stamp_day(state.kept_at) or stamp_day(state.triaged_at or state.updated_at)
    return since is not None and (now - since).days > limit


def stale_predicate(now: date | None = None, limit: int | None = None) -> Callable[[UserState | None], bool]:
    """`is_stale` with the day and the limit fixed once (for `has:stale` in the search language)."""
    day = now if now is not None else today()
    days = limit if limit is not None else stale_days()
    return lambda state: is_stale(state, day, days)


def stale_ids(states: dict[str, UserState], order: Callable[[str], int], now: date, limit: int) -> list[str]:
    """The stale papers, oldest first (ties in display order)."""
    found = [pid for pid, state in states.items() if is_stale(state, now, limit)]

    def key(pid: str) -> tuple[str, int]:
        state = states[pid]
        return (state.kept_at or state.triaged_at or state.updated_at or "", order(pid))

    return sorted(found, key=key)


def over_cap(reading: Iterable[str], moving: Iterable[str], cap: int | None) -> bool:
    """Whether moving these papers to reading would hold more than `cap` papers there."""
    if cap is None:
        return False
    now = set(reading)
    return len(now | set(moving)) > cap
