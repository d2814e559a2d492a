"""The host's run history: ``<output>/<spider>/runs.jsonl``, one JSON line per run (written by
:class:`govnews.ops.health.summary.HealthSummary`), and what it remembers of the state stores.

Each line of a run that used a state store names it: ``store`` (the site's key) and
``store_id`` (the id the store was stamped with when it was created). A store that vanished
(a deleted SQLite file, a wiped Redis) comes back new, with another id: :func:`remembered_store`
finds the id the host's last run of that site used, so that the run can refuse to start over
in silence (a full re-export, full walks of the real site). ``scrapy govnews-state
--reset-store`` writes a line saying the store was reset on purpose (``store_id`` null).

>>> import tempfile
>>> site = "www.wuhan.gov.cn"
>>> with tempfile.TemporaryDirectory() as d:
...     append_run(Path(d) / "wuhan" / RUNS_FILE, {"end": "2026-12-01T02:00", "store": site, "store_id": "a1"})
...     first = remembered_store(Path(d), site)
...     append_run(Path(d) / RESET_DIR / RUNS_FILE, {"end": "2026-12-02T02:00", "store": site, "store_id": None})
...     first, remembered_store(Path(d), site), remembered_store(Path(d), "tjj.wuhan.gov.cn")
('a1', None, None)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

RUNS_FILE = "runs.jsonl"
RESET_DIR = "govnews-state"
"""Where ``scrapy govnews-state`` writes its lines (it is no spider)."""
_TAIL_BYTES = 1 << 16


def append_run(path: Path, record: Mapping[str, Any]) -> None:
    """Append one JSON line with one write (the run history, ``<output>/<spider>/runs.jsonl``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    with path.open("ab", buffering=0) as history:
        history.write(line)


def _tail(path: Path) -> list[dict[str, Any]]:
    """The last whole lines of a history file (a history is read from its end: it grows for years)."""
    try:
        with path.open("rb") as file:
            size = file.seek(0, 2)
            file.seek(max(0, size - _TAIL_BYTES))
            data = file.read()
    except OSError:
        return []
    lines = data.split(b"\n")
    if size > _TAIL_BYTES:
        lines = lines[1:]  # the first may be cut
    found = []
    for raw in lines:
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if isinstance(record, dict):
            found.append(record)
    return found


def remembered_store(output: Path, site_key: str) -> str | None:
    """The id of the store the host's last run of ``site_key`` used (every spider's history
    under ``output`` is read), or None: no run remembered, or the store was reset on purpose."""
    latest: tuple[str, str | None] | None = None
    for path in output.glob(f"*/{RUNS_FILE}"):
        for record in _tail(path):
            if record.get("store") != site_key or "store_id" not in record:
                continue
            moment = str(record.get("end") or record.get("start") or "")
            if latest is None or moment >= latest[0]:
                store_id = record.get("store_id")
                latest = (moment, str(store_id) if store_id else None)
    return latest[1] if latest is not None else None
