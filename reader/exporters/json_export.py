"""JSON: an array of full records, the same shape as `reader list --json` (`models.record`).

Field names are stable (scripts and `jq` rely on them); output is indented by two spaces,
UTF-8 without `\\u` escapes, and ends with a newline. No papers gives `[]`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import orjson

from reader.models import record

if TYPE_CHECKING:
    from reader.exporters import Entry


def render_json(items: Sequence[Entry]) -> str:
    """The JSON array of these entries' records, in the order given."""
    data = [record(e.paper, e.state) for e in items]
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"
