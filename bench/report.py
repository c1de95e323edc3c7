"""Targets from the design notes, verdicts, and the printed table."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from bench.measure import median

DESIGN_POINT = 10_000


@dataclass(slots=True)
class Row:
    """One line of the table: a measured value against its target."""

    size: int
    name: str
    value: float
    unit: str
    target: float | None = None
    """None: reported for information, no target."""
    higher_is_better: bool = False
    note: str = ""
    verdict: str = ""

    def judge(self) -> Row:
        """Fill in the verdict: `met`, `MISSED by N×`, or `-` when there is no target."""
        if self.target is None:
            self.verdict = "-"
        elif math.isnan(self.value):
            self.verdict = "not measured"
        elif (self.value >= self.target) if self.higher_is_better else (self.value <= self.target):
            self.verdict = "met"
        else:
            ratio = self.target / self.value if self.higher_is_better else self.value / self.target
            self.verdict = f"MISSED by {ratio:.1f}×"
        return self

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _by_size(size: int, small: float, large: float) -> float:
    """The target at the design point (and below) or at the stress point (above it)."""
    return small if size <= DESIGN_POINT else large


def rows_for(size: int, m: dict[str, Any], full_text_threaded: bool) -> list[Row]:
    """The table rows for one library size from its measurements.

    `full_text_threaded`: the app searches in a worker at this size (its own threshold).
    """
    from reader.search import fulltext

    fulltext_from = fulltext.threshold()
    rows: list[Row] = []
    start = m["app_start"]
    rows.append(
        Row(size, "start to first frame (app)", median(start["first_frame_ms"]), "ms", _by_size(size, 250, 500))
    )
    ready = [v for v in start.get("ready_ms", []) if v == v]  # NaN: a run that never got there
    if ready:
        rows.append(
            Row(
                size,
                "  papers screen ready (keys work; a big library: after the first look)",
                median(ready),
                "ms",
                note="the same frame unless the library is big enough for the first look",
            )
        )
    phases = start["phases_ms"]
    rows.append(
        Row(
            size,
            "  of which: interpreter / imports / open / app / first paint",
            sum(phases.values()),
            "ms",
            note=" / ".join(f"{v:.0f}" for v in phases.values()),
        )
    )
    rows.append(Row(size, "Library.open (in process)", median(m["open_ms"]), "ms"))
    rows.append(Row(size, "`reader list --status reading` (process)", median(m["cli"]["list_ms"]), "ms"))
    rows.append(Row(size, "`reader export -o FILE` done list (process)", median(m["cli"]["export_ms"]), "ms"))
    if "cli_changes" in m:
        changes = m["cli_changes"]
        limit = _by_size(size, 80, 100)
        rows.append(Row(size, "`reader mark ID done` (whole command)", median(changes["mark_ms"]), "ms", limit))
        rows.append(Row(size, "`reader note ID TEXT` (whole command)", median(changes["note_ms"]), "ms", limit))
        rows.append(
            Row(size, "`reader list --day latest` (whole command)", median(changes["list_latest_ms"]), "ms", 200)
        )
    flt = m["filter"]
    rows.append(
        Row(
            size,
            "filter per key, titles (worst key)",
            flt["titles"]["worst_ms"],
            "ms",
            _by_size(size, 2, 16),
            note=("in a worker; " if full_text_threaded else "on the UI thread; ")
            + f"worst {flt['titles']['worst_key']!r}; keys "
            + " ".join(f"{v:.2f}" for v in flt["titles"]["per_key_ms"]),
        )
    )
    full_note = ("in a worker; " if full_text_threaded else "on the UI thread; ") + (
        f"worst {flt['full']['worst_key']!r}; keys " + " ".join(f"{v:.1f}" for v in flt["full"]["per_key_ms"])
    )
    if size <= DESIGN_POINT:
        rows.append(
            Row(size, "filter per key, full text (worst key)", flt["full"]["worst_ms"], "ms", 10, note=full_note)
        )
    else:
        row = Row(size, "filter per key, full text (worst key)", flt["full"]["worst_ms"], "ms", note=full_note)
        row.judge()
        row.verdict = "met (in a worker)" if full_text_threaded else "MISSED: on the UI thread"
        row.note = "target: off the UI thread; " + full_note.removeprefix("in a worker; ")
        rows.append(row)
    rows.append(Row(size, "first search of a session, titles (builds the index)", flt["first_search_titles_ms"], "ms"))
    rows.append(
        Row(
            size,
            "first full-text search of a session",
            flt["first_search_full_ms"],
            "ms",
            note=f"{'reads the full-text cache' if size >= fulltext_from else 'folds the abstracts'} "
            f"(the cache is used from {fulltext_from:,} papers)",
        )
    )
    fts = m.get("fulltext")
    if fts and not fts.get("unavailable"):
        full = fts["full"]
        rows.append(
            Row(
                size,
                "filter per key, full text via the cache (worst key)",
                full["worst_ms"],
                "ms",
                _by_size(size, 10, 30),
                note=f"always the cache, whatever the threshold; worst {full['worst_key']!r}; keys "
                + " ".join(f"{v:.1f}" for v in full["per_key_ms"]),
            )
        )
        rows.append(Row(size, "  first full-text search of a session via the cache", fts["first_search_ms"], "ms"))
        rows.append(
            Row(
                size,
                f"full-text cache build ({fts['papers']:,} papers, once; then per changed shard)",
                fts["build_ms"],
                "ms",
            )
        )
        rows.append(
            Row(
                size,
                "  longest UI-thread stall while it builds (as the app: in a child process)",
                fts["build_ui_stall_ms"],
                "ms",
                16,
            )
        )
        rows.append(Row(size, "full-text cache size on disk", fts["size_mb"], "MB"))
    keys = m["keys"]["keys"]
    for key, label in (
        ("j", "cursor down (j)"),
        ("t", "triage to-read (t)"),
        ("filter", "filter letter in the app"),
        ("escape", "clear the filter (escape)"),
        ("board", "board on/off (b)"),
        ("view", "switch view (6, 3, 1)"),
        ("day", "previous/next day ([, ])"),
    ):
        if key not in keys:
            continue
        samples = keys.get(key, [])
        cpu = [s["cpu_ms"] for s in samples]
        wall = [s["wall_ms"] for s in samples]
        settled = [s["settled_ms"] for s in samples]
        note = (
            f"wall key→frame p50 {median(wall):.1f}, max {max(wall, default=float('nan')):.1f} "
            f"(incl. 60 fps pacing); work max {max(cpu, default=float('nan')):.1f}; settled p50 {median(settled):.0f}"
        )
        rows.append(Row(size, f"key→repaint work, {label}", median(cpu), "ms", 16, note=note))
        if key == "filter":
            rows.append(Row(size, "  filter letter → frames settle (results shown)", median(settled), "ms"))
        if key == "board":  # the morning's own target for it (at 120 columns or more)
            rows.append(Row(size, "  board on/off (b), target of a smooth switch", median(cpu), "ms", 50))
    writes = m["writes"]
    rows.append(
        Row(
            size,
            "status change, durable (set_status)",
            median(writes["status_ms"]),
            "ms",
            2,
            note=f"max {max(writes['status_ms']):.2f}",
        )
    )
    rows.append(
        Row(
            size,
            "note save, durable (set_notes)",
            median(writes["note_ms"]),
            "ms",
            2,
            note=f"max {max(writes['note_ms']):.2f}",
        )
    )
    imp = m["import"]
    rows.append(
        Row(
            size,
            f"import {imp['papers']} papers (import_files)",
            median(imp["papers_per_s"]),
            "papers/s",
            100_000,
            higher_is_better=True,
            note=f"{median(imp['ms']):.0f} ms",
        )
    )
    rows.append(Row(size, "import: longest UI-thread stall (import in a thread)", imp["ui_stall_ms"], "ms", 16))
    if "bulk_import" in m:
        bulk = m["bulk_import"]
        rows.append(
            Row(
                size,
                f"import {bulk['papers']:,} papers from one API file into an empty library",
                median(bulk["papers_per_s"]),
                "papers/s",
                40_000,
                higher_is_better=True,
                note=f"{median(bulk['ms']):.0f} ms",
            )
        )
    exp = m["export"]
    rows.append(Row(size, f"export done list, Markdown ({exp['papers']} papers, in process)", median(exp["ms"]), "ms"))
    if "stats" in m:
        rows.append(Row(size, "stats: `reader.stats.compute` (in process)", median(m["stats"]["ms"]), "ms", 100))
    if "catch_up" in m:
        cu = m["catch_up"]
        rows.append(Row(size, f"catch-up groups ({cu['papers']} papers, in process)", median(cu["ms"]), "ms"))
    rows.append(
        Row(size, "peak memory of the app (peak RSS, VmHWM)", m["keys"]["maxrss_mb"], "MB", _by_size(size, 120, 250))
    )
    rows.append(Row(size, "  peak RSS when the first frame is drawn", median(start["maxrss_mb"]), "MB"))
    if m["keys"].get("settled_rss_mb"):
        settled = m["keys"]["settled_rss_mb"]
        rows.append(
            Row(size, "settled memory of the app (RSS after the keys)", settled, "MB", _by_size(size, 120, 200))
        )
    return [row.judge() for row in rows]


def _fmt(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit == "papers/s":
        return f"{value:,.0f}/s"
    if unit == "MB":
        return f"{value:.0f} MB"
    if value >= 100:
        return f"{value:.0f} ms"
    if value >= 10:
        return f"{value:.1f} ms"
    return f"{value:.2f} ms"


def _target(row: Row) -> str:
    if row.target is None:
        return "-"
    sign = "≥" if row.higher_is_better else "≤"
    return f"{sign} {_fmt(row.target, row.unit)}"


def table(title: str, rows: list[Row], *, notes: bool = True) -> str:
    """A plain-text table (Markdown-compatible) of the rows."""
    header = ["measure", "value", "target", "verdict"] + (["notes"] if notes else [])
    lines = [[r.name, _fmt(r.value, r.unit), _target(r), r.verdict] + ([r.note] if notes else []) for r in rows]
    widths = [max(len(header[i]), *(len(line[i]) for line in lines)) for i in range(len(header))]

    def render(cells: list[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    out = [title, "", render(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [render(line) for line in lines]
    return "\n".join(out)


def floor_rows(floors: dict[str, Any]) -> list[Row]:
    """The floors as rows (no targets)."""
    return [
        Row(0, "python -c pass", median(floors["python_pass_ms"]), "ms").judge(),
        Row(0, "python: an empty loop of 10M steps (CPU speed)", median(floors.get("loop_10m_ms", [])), "ms").judge(),
        Row(0, 'python -c "import textual"', median(floors["import_textual_ms"]), "ms").judge(),
        Row(0, 'python -c "import textual.app"', median(floors["import_textual_app_ms"]), "ms").judge(),
        Row(0, "fsync of a small file", median(floors["fsync_small_ms"]), "ms").judge(),
    ]
