"""The merge rules of sync, as pure functions on the `sync` record of a paper's user state.

Every synced library keeps, beside each paper's visible state (status, notes, tags...), a small
record of how that state came about (`UserState.sync`), written in the same durable write as the
change itself. Merging two such records is a join: commutative, associative and idempotent, so
every machine ends with the same state whatever order the logs arrive in.

- status (with its dates): the value with the latest stamp wins. Stamps are hybrid logical
  clocks, `WWWWWWWWWWWWW-CCCCCC-machine`: wall time in ms, a counter, the machine's id. A stamp
  is always later than every stamp the paper's record already holds, so a change made after
  seeing another wins even when the wall clocks disagree by hours.
- tags: an add/remove set. Each add is a unique dot; a remove removes the dots it saw, so a tag
  removed on one machine and added concurrently on another stays.
- notes: a set of concurrent versions, each with a version vector. A version replaces the ones
  it saw; versions made without seeing each other are all kept, and the note shows all their
  texts in a conflict block until the user edits it (which makes one version seeing all).
- `seen_at` keeps the earliest, `updated_at` the latest.

The record (`meta`) in JSON:
    {"m": local change stamp (local only: not sent),
     "s": [stamp, {status fields}], "n": [{"x": text, "v": {machine: stamp}, "h": host, "at": noted_at}],
     "t": {tag: [[add dots], [removed dots]]}, "o": {"seen": ..., "up": ...}}
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from reader.models import Status, UserState

STATUS_FIELDS = ("status", "triaged_at", "started_at", "finished_at", "snoozed_until", "snoozed_at", "kept_at")
"""The fields that travel together with the status (last change wins for all of them)."""

CONFLICT_START = "<<<<<<< conflict: this note was changed on two machines; edit it to resolve"
CONFLICT_VERSION = "======= version from "
CONFLICT_END = ">>>>>>> end of conflict"

Meta = dict[str, Any]


def wall_ms() -> int:
    """The wall clock in milliseconds (tests inject their own, skewed, clocks)."""
    return time.time_ns() // 1_000_000


def stamp_of(wall: int, counter: int, machine: str) -> str:
    return f"{wall:013d}-{counter:06d}-{machine}"


def parse_stamp(stamp: str) -> tuple[int, int]:
    wall, counter, _machine = stamp.split("-", 2)
    return int(wall), int(counter)


class Clock:
    """A hybrid logical clock for one machine: never goes back, always passes what it has seen."""

    def __init__(self, machine: str, now: Callable[[], int] = wall_ms) -> None:
        self.machine = machine
        self.now = now
        self.last = (0, 0)

    def observe(self, stamp: str | None) -> None:
        """Move past a stamp seen in a record (so the next stamp is later than it)."""
        if stamp:
            seen = parse_stamp(stamp)
            if seen > self.last:
                self.last = seen

    def tick(self) -> str:
        wall = self.now()
        last_wall, last_count = self.last
        if wall > last_wall:
            self.last = (wall, 0)
        elif last_count < 999_999:
            self.last = (last_wall, last_count + 1)
        else:
            self.last = (last_wall + 1, 0)
        return stamp_of(*self.last, self.machine)


# -- reading a record ------------------------------------------------------------------------


def stamps(meta: Meta) -> Iterable[str]:
    """Every stamp a record holds (a new stamp for it must pass them all)."""
    if meta.get("m"):
        yield meta["m"]
    if meta.get("s"):
        yield meta["s"][0]
    for version in meta.get("n", ()):
        yield from version["v"].values()
    for adds, removes in meta.get("t", {}).values():
        yield from adds
        yield from removes


def _live_tags(meta: Meta) -> list[str]:
    live: list[tuple[str, str]] = []
    for tag, (adds, removes) in meta.get("t", {}).items():
        alive = sorted(set(adds) - set(removes))
        if alive:
            live.append((alive[0], tag))
    return [tag for _dot, tag in sorted(live)]


def _version_key(version: dict[str, Any]) -> tuple[str, str]:
    return (max(version["v"].values(), default=""), version["x"])


def conflict_text(versions: list[dict[str, Any]]) -> str:
    """The note shown for concurrent versions: every text, in a marked block."""
    parts = [CONFLICT_START]
    for version in sorted(versions, key=_version_key):
        wall = max(version["v"].values(), default="0-0-?")
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(parse_stamp(wall)[0] / 1000))
        parts.append(f"{CONFLICT_VERSION}{version.get('h') or 'another machine'}, {when}")
        parts.append(version["x"])
    parts.append(CONFLICT_END)
    return "\n".join(parts)


def has_conflict(meta: Meta | None) -> bool:
    return bool(meta) and len(meta.get("n", ())) > 1  # type: ignore[union-attr]


def render(meta: Meta, base: UserState | None = None) -> UserState:
    """The visible state a record stands for (fields sync does not carry come from `base`)."""
    state = base.copy() if base is not None else UserState()
    if meta.get("s"):
        fields = meta["s"][1]
        state.status = Status(fields.get("status", "inbox"))
        for name in STATUS_FIELDS[1:]:
            setattr(state, name, fields.get(name))
    versions = meta.get("n", [])
    if len(versions) == 1:
        state.notes = versions[0]["x"]
    elif versions:
        state.notes = conflict_text(versions)
    if versions:
        state.noted_at = max((v.get("at") or "" for v in versions), default="") or None
    state.tags = _live_tags(meta)
    other = meta.get("o", {})
    state.seen_at = other.get("seen")
    state.updated_at = other.get("up")
    state.sync = meta
    return state


# -- a local change ------------------------------------------------------------------------


def _status_fields(state: UserState) -> dict[str, Any]:
    fields: dict[str, Any] = {"status": state.status.value}
    for name in STATUS_FIELDS[1:]:
        if (value := getattr(state, name)) is not None:
            fields[name] = value
    return fields


def _min(a: str | None, b: str | None) -> str | None:
    return min(a, b) if a and b else (a or b)


def _max(a: str | None, b: str | None) -> str | None:
    return max(a, b) if a and b else (a or b)


def _iso_ms(text: str | None) -> int | None:
    from datetime import datetime

    try:
        return int(datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp() * 1000)
    except (TypeError, ValueError, OverflowError):
        return None


def adopt(state: UserState, clock: Clock, host: str) -> Meta:
    """A record for a state that has none yet (a library just set up for sync).

    The status is stamped with the time it was set when known (of two libraries set up for
    sync, the one changed last wins, as if they had synced all along); a paper never triaged
    gets the earliest stamp, so any status set anywhere wins over it.
    """
    stamp = clock.tick()
    when = None if state.status is Status.INBOX else _iso_ms(state.status_changed_at)
    status_stamp = stamp_of(when if when is not None and 0 <= when < 10**13 else 0, 0, clock.machine)
    meta: Meta = {"m": stamp, "s": [status_stamp, _status_fields(state)], "t": {}, "o": {}}
    if state.notes:
        meta["n"] = [{"x": state.notes, "v": {clock.machine: stamp}, "h": host, "at": state.noted_at}]
    for n, tag in enumerate(state.tags):
        meta["t"][tag] = [[f"{stamp}.{n:03d}"], []]
    if state.seen_at:
        meta["o"]["seen"] = state.seen_at
    if state.updated_at:
        meta["o"]["up"] = state.updated_at
    return meta


def stamp_change(before: UserState, after: UserState, clock: Clock, host: str) -> UserState:
    """The state `after` as a local change of `before`: its record updated, stamped later than
    anything `before` saw, and the visible state rendered from it."""
    old = adopt(before, clock, host) if before.sync is None else before.sync
    for seen in stamps(old):
        clock.observe(seen)
    stamp = clock.tick()
    meta: Meta = {key: value for key, value in old.items() if key not in ("m",)}
    meta["m"] = stamp
    shown = render(old, before)
    if _status_fields(shown) != _status_fields(after):
        meta["s"] = [stamp, _status_fields(after)]
    if shown.notes != after.notes:
        vector: dict[str, str] = {}
        for version in old.get("n", ()):
            for machine, seen in version["v"].items():
                vector[machine] = max(vector.get(machine, ""), seen)
        vector[clock.machine] = stamp
        meta["n"] = [{"x": after.notes, "v": vector, "h": host, "at": after.noted_at or shown.noted_at}]
    if shown.tags != after.tags:
        tags = {tag: [list(adds), list(removes)] for tag, (adds, removes) in old.get("t", {}).items()}
        wanted = set(after.tags)
        for tag in shown.tags:
            if tag not in wanted:
                adds, removes = tags[tag]
                tags[tag] = [adds, sorted(set(removes) | set(adds))]
        for n, tag in enumerate(after.tags):
            if tag not in shown.tags:
                adds, removes = tags.get(tag, [[], []])
                tags[tag] = [[*adds, f"{stamp}.{n:03d}"], removes]
        meta["t"] = tags
    previous = old.get("o", {})
    first_seen = _min(previous.get("seen"), after.seen_at)
    up = _max(previous.get("up"), after.updated_at)
    meta["o"] = {k: v for k, v in (("seen", first_seen), ("up", up)) if v}
    return render(meta, after)


# -- merging ----------------------------------------------------------------------------------


def _dominated(a: dict[str, str], b: dict[str, str]) -> bool:
    """Whether version vector `a` is below or equal to `b`."""
    return all(stamp <= b.get(machine, "") for machine, stamp in a.items())


def merge_versions(*groups: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    unique: dict[str, dict[str, Any]] = {}
    for group in groups:
        for version in group:
            key = repr(sorted(version["v"].items()))
            unique.setdefault(key, version)
    kept = [v for v in unique.values() if not any(o is not v and _dominated(v["v"], o["v"]) for o in unique.values())]
    return sorted(kept, key=_version_key)


def merge(local: Meta, remote: Meta) -> Meta:
    """The join of two records of one paper (the local change stamp `m` stays the local one)."""
    meta: Meta = {}
    if local.get("m"):
        meta["m"] = local["m"]
    statuses = [s for s in (local.get("s"), remote.get("s")) if s]
    if statuses:
        meta["s"] = max(statuses, key=lambda s: (s[0], repr(sorted(s[1].items()))))
    versions = merge_versions(local.get("n", ()), remote.get("n", ()))
    if versions:
        meta["n"] = versions
    tags: dict[str, list[list[str]]] = {}
    for source in (local.get("t", {}), remote.get("t", {})):
        for tag, (adds, removes) in source.items():
            have = tags.setdefault(tag, [[], []])
            have[0] = sorted(set(have[0]) | set(adds))
            have[1] = sorted(set(have[1]) | set(removes))
    meta["t"] = dict(sorted(tags.items()))
    lo, ro = local.get("o", {}), remote.get("o", {})
    other = {"seen": _min(lo.get("seen"), ro.get("seen")), "up": _max(lo.get("up"), ro.get("up"))}
    meta["o"] = {k: v for k, v in other.items() if v}
    return meta


def shared(meta: Meta) -> Meta:
    """What a record sends to other machines (without the local change stamp), canonical."""
    out = merge({}, meta)
    out.pop("m", None)
    return out
