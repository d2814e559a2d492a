"""The house's layout holds: imports point one way (no module imports from a layer that builds
on it), there is no import cycle, Redis is loaded only when it is configured, and the old
import paths of one release ago still work, with a warning.

The layers, lowest first (docs/architecture.md draws them)::

    text, items, logs,           pure functions and the item; every stats key
      stats_keys
    sites                        the sites as data (the family table)
    extract, documents, discover one page or one file in, fields out
    store                        what was exported: the protocol, SQLite, Redis, the lease, the walk rule, the journal
    contract                     what the rest of the crawl reads from a running spider
    feeds                        how items are written
    crawl                        spiders, their arguments, politeness, the fence
    pipelines                    cleaning, validating, the store's side of a crawl
    family                       many sites, many workers
    ops                          commands, scheduling, state listing, progress, health

The graph is read from the source (every ``import`` of a ``govnews`` module, at any depth of
a module, ``TYPE_CHECKING`` blocks included).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "govnews"

# What each part may import (besides itself, and govnews.settings and govnews.stats_keys:
# constants and key names every part may read).
EVERYWHERE = {"", "settings", "stats_keys"}
MAY_IMPORT: dict[str, set[str]] = {
    "text": set(),
    "items": set(),
    "logs": set(),
    "settings": set(),
    "stats_keys": set(),
    "sites": {"text"},
    "extract": {"text", "sites"},
    "documents": {"text"},
    "discover": {"extract", "sites", "text"},
    "store": {"text", "sites", "logs"},
    "contract": {"store", "sites"},
    "feeds": {"contract", "store", "logs", "text"},
    "crawl": {"extract", "discover", "documents", "contract", "store", "feeds", "sites", "items", "text", "logs"},
    "pipelines": {"contract", "store", "feeds", "documents", "sites", "items", "text", "logs"},
    "family": {"contract", "store", "sites", "crawl", "logs"},
    "ops": {
        "contract",
        "crawl",
        "pipelines",
        "family",
        "store",
        "feeds",
        "extract",
        "discover",
        "documents",
        "sites",
        "items",
        "text",
        "logs",
    },
}
# Old import paths kept for one release (govnews/_moved.py): they import the new ones.
MOVED = {
    "govnews._moved",
    "govnews.frontier",
    "govnews.schedule",
    "govnews.progress",
    "govnews.politeness",
    "govnews.exporters",
    "govnews.health",
    "govnews.middlewares",
    "govnews.commands",
    "govnews.spiders",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_moved(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in MOVED)


def part_of(module: str) -> str:
    """``govnews.store.walk`` → ``store``; ``govnews`` (the package itself) → ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imports_of(path: Path) -> set[str]:
    """The ``govnews`` modules a source file imports (``from govnews.x import y`` counts as
    ``govnews.x.y`` when that is a module, else ``govnews.x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("govnews"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("govnews"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
    return found


SOURCES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
MODULES = set(SOURCES)
GRAPH = {m: {i for i in imports_of(p) if i in MODULES and i != m} for m, p in SOURCES.items() if not is_moved(m)}


def test_every_part_is_known() -> None:
    parts = {part_of(m) for m in GRAPH} - {""}
    assert parts <= set(MAY_IMPORT), parts - set(MAY_IMPORT)


def test_imports_point_one_way() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if part_of(target) not in {part_of(module), *EVERYWHERE}
        and part_of(target) not in MAY_IMPORT.get(part_of(module), set())
    )
    assert wrong == []


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the cycles of the graph, as groups of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return groups


def test_there_is_no_import_cycle() -> None:
    # A package importing its own submodules (re-exports) is no cycle of the design.
    graph = {m: {t for t in targets if not m.startswith(t + ".")} for m, targets in GRAPH.items()}
    assert strongly_connected(graph) == []


def test_the_checks_can_fail() -> None:
    """The two checks above on a graph with a wrong import and a cycle."""
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert part_of("govnews.store.walk") == "store" and "crawl" not in MAY_IMPORT["store"]


@pytest.mark.parametrize(
    "module",
    [
        "govnews.crawl.spiders.wuhan",
        "govnews.crawl.spiders.family",
        "govnews.pipelines.incremental_state",
        "govnews.store",
        "govnews.store.walk",
        "govnews.family.crawl",
        "govnews.ops.commands.crawl",
        "govnews.ops.state_command",
        "govnews.crawl.politeness",
    ],
)
def test_redis_is_loaded_only_when_it_is_configured(module: str) -> None:
    code = f"import sys, {module}; sys.exit(1 if 'redis' in sys.modules else 0)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"importing {module} loads redis{result.stderr[-500:]}"


@pytest.mark.parametrize(
    ("old", "name", "new"),
    [
        ("govnews.health.coverage", "ColumnCoverage", "govnews.ops.health.coverage"),
        ("govnews.health.summary", "HealthSummary", "govnews.ops.health.summary"),
        ("govnews.health.monitors", "HealthMonitorSuite", "govnews.ops.health.monitors"),
        ("govnews.health.logcount", "SiteLogCount", "govnews.ops.health.logcount"),
        ("govnews.progress", "CrawlProgress", "govnews.ops.progress"),
        ("govnews.politeness", "SpacedHTTPDownloadHandler", "govnews.crawl.politeness"),
        ("govnews.exporters", "SpreadsheetCsvItemExporter", "govnews.feeds.exporters"),
        ("govnews.middlewares.allowed_hosts", "AllowedHostsMiddleware", "govnews.crawl.allowed_hosts"),
        ("govnews.middlewares.blocked", "BackOffWhenBlockedMiddleware", "govnews.crawl.blocked"),
        ("govnews.middlewares.fence", "LeaseFenceMiddleware", "govnews.crawl.fence"),
        ("govnews.commands.crawl", "Command", "govnews.ops.commands.crawl"),
        ("govnews.spiders.wuhan", "WuhanSpider", "govnews.crawl.spiders.wuhan"),
        ("govnews.spiders.family", "JianghanSpider", "govnews.crawl.spiders.family"),
    ],
)
def test_an_old_import_path_works_for_one_release_with_a_warning(old: str, name: str, new: str) -> None:
    code = (
        "import importlib, sys, warnings\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        f"    old = getattr(importlib.import_module({old!r}), {name!r})\n"
        f"new = getattr(importlib.import_module({new!r}), {name!r})\n"
        f"assert old is new, 'not the same object'\n"
        f"assert any({new!r} in str(w.message) for w in caught), [str(w.message) for w in caught]\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-1500:]


def test_the_old_scheduler_and_status_counter_settings_still_load() -> None:
    """Removed components named in an operator's settings: Scrapy's own stand in, with a warning."""
    code = (
        "import warnings\n"
        "from scrapy.core.scheduler import Scheduler\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    from govnews.frontier import RedisScheduler\n"
        "    from govnews.middlewares.status_counter import CountResponseStatusMiddleware\n"
        "assert issubclass(RedisScheduler, Scheduler)\n"
        "assert len([w for w in caught if 'Scrapy' in str(w.message)]) == 2\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-1500:]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing of the package itself imports an old path
        for module, targets in GRAPH.items():
            assert not any(is_moved(t) for t in targets), module
