"""Every ``govnews/...`` stats key is built by :mod:`govnews.stats_keys`: no module spells one
by hand, so a writer and its readers (the health checks, the summary, the terminal's block)
cannot drift apart. The keys' text is what docs/health.md and the operators' tools name."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from govnews import stats_keys

PACKAGE = Path(__file__).resolve().parent.parent / "govnews"
# A key: "govnews/" then path segments, never a space or a dot (a file's path has one, a
# message a space).
_KEY_SHAPE = re.compile(r"^govnews/[^\s.]*$")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def keys_by_hand(source: str) -> list[str]:
    """The strings of ``source`` (f-strings with ``{}`` for their fields) shaped like a stats
    key, docstrings aside.

    >>> keys_by_hand('x = f"govnews/column/{c}/items"; y = "govnews/sites/family.py"')
    ['govnews/column/{}/items']
    """
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            skip.update(id(v) for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value
        else:
            continue
        if _KEY_SHAPE.match(str(text)):
            found.append(str(text))
    return found


def test_no_module_spells_a_stats_key_by_hand() -> None:
    spelled = {
        str(path.relative_to(PACKAGE.parent)): keys
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "stats_keys.py" and (keys := keys_by_hand(path.read_text(encoding="utf-8")))
    }
    assert spelled == {}


def test_the_check_finds_a_key_spelled_by_hand() -> None:
    planted = 'stats.inc_value(f"govnews/column/{column.strip(\'/\')}/items")\nstats.get("govnews/health/verdict")'
    assert keys_by_hand(planted) == ["govnews/column/{}/items", "govnews/health/verdict"]


@pytest.mark.parametrize(
    ("built", "text"),
    [
        # The texts docs/health.md and the operators' tools name.
        (stats_keys.column("/sy/whyw/", "items"), "govnews/column/sy/whyw/items"),
        (
            stats_keys.column("zwgk/xxgk/zcjd", "published_from", "url"),
            "govnews/column/zwgk/xxgk/zcjd/published_from/url",
        ),
        (stats_keys.column_prefix("/sy/kwh/"), "govnews/column/sy/kwh"),
        (stats_keys.HEALTH("verdict"), "govnews/health/verdict"),
        (stats_keys.STATE("new"), "govnews/state/new"),
        (stats_keys.FENCE("requests_refused"), "govnews/fence/requests_refused"),
        (stats_keys.POLITENESS("waited_ms"), "govnews/politeness/waited_ms"),
        (stats_keys.VALIDATE("dropped", "title"), "govnews/validate/dropped/title"),
        (stats_keys.ARTICLE.prefix_of("failed"), "govnews/article/failed/"),
        (stats_keys.BLOCKED.prefix, "govnews/blocked/"),
        (stats_keys.key("list/pages"), "govnews/list/pages"),
    ],
)
def test_keys_keep_their_text(built: str, text: str) -> None:
    assert built == text
