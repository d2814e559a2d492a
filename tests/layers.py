"""The layer rules of ``govnews``, written once: which part of the package may import which,
and which parts may import Scrapy and Redis. Everything else is made from this table or
checked against it:

* ``tests/test_layout.py`` reads every import of the package (absolute and relative, at any
  depth of a module, ``TYPE_CHECKING`` blocks included) and fails on an import the table
  does not allow, on a library a part may not import, and on any import cycle;
* the layer paragraph of each folder's docstring (``govnews/<part>/__init__.py``) and the
  layer section of ``docs/architecture.md`` (its diagram and table) are generated from it::

      python -m tests.layers            # check: exit 1, naming each disagreement
      python -m tests.layers --write    # rewrite the docstrings' paragraph and the section

A part is a folder of ``govnews/`` or one of its top-level modules; every module in a folder
(at any depth) takes its folder's rules, so a new module needs no new row, a new folder does.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "govnews"
ARCHITECTURE = Path("docs") / "architecture.md"


@dataclass(frozen=True)
class Layer:
    """One part of the package: its name (a folder or a top-level module of ``govnews/``),
    what it holds, and what it may import."""

    name: str
    holds: str
    may_import: frozenset[str] = frozenset()
    # Read by every part (constants, the version): it imports nothing of govnews itself.
    read_by_all: bool = False
    # Third-party libraries the part may import (Scrapy: ``scrapy`` and ``twisted``).
    scrapy: bool = False
    redis: bool = False

    def allows(self, library: str) -> bool:
        """Whether the part may import ``library`` (a top-level module the rules govern)."""
        return {"scrapy": self.scrapy, "twisted": self.scrapy, "redis": self.redis}[library]


def _layer(name: str, holds: str, may_import: str = "", *, scrapy: bool = False, redis: bool = False) -> Layer:
    return Layer(name, holds, frozenset(may_import.split()), scrapy=scrapy, redis=redis)


# The rules, lowest layer first: a part may import itself, the parts it names (each lower in
# this table), and the parts every part reads; nothing else of govnews.
# fmt: off
LAYERS: tuple[Layer, ...] = (
    Layer("__init__", "the package: its version", read_by_all=True),
    Layer("settings", "the settings Scrapy reads, each with its reason", read_by_all=True),
    Layer("stats_keys", "every govnews/... stats key, built by its functions", read_by_all=True),
    _layer("text", "pure text functions"),
    _layer("items", "the Article"),
    _layer("logs", "per-site loggers", scrapy=True),
    _layer("sites", "the sites as data", "text"),
    _layer("extract", "one page in, fields out", "text sites"),
    _layer("documents", "one file in, text out (run in subprocesses: kept light)"),
    _layer("discover", "which links, which pages are lists", "text sites extract"),
    _layer("changes", "what changed between two revisions of an article: the fields a user diffs, "
           "the diff, a changes-feed line, a revision packed for the store, a record as HTML", "text"),
    _layer("store", "the protocol, SQLite, Redis, the lease, the walk rule, the journal",
           "text logs sites changes", redis=True),
    _layer("contract", "what the rest of the crawl reads from a running spider", "sites store"),
    _layer("feeds", "how items are written", "text logs changes store contract", scrapy=True),
    _layer("archive", "WARC files of what was fetched, replay from them, CDXJ and WACZ", "feeds contract",
           scrapy=True),
    _layer("crawl", "spiders, their arguments, politeness, the fence",
           "text items logs sites extract documents discover store contract feeds archive", scrapy=True),
    _layer("pipelines", "cleaning, validation, the store's side of a run",
           "text items logs sites documents changes store contract feeds archive", scrapy=True),
    _layer("family", "many sites, many workers", "logs sites store contract crawl", scrapy=True, redis=True),
    _layer("ops", "commands, scheduling, state listing, progress, health",
           "text items logs sites extract documents discover changes store contract feeds archive crawl pipelines "
           "family",
           scrapy=True),
)
# fmt: on

# Imports the rules do not allow yet, each with why and when it goes: (module, what it
# imports: a part or a library). The check fails on an exception no import needs any more.
EXCEPTIONS: dict[tuple[str, str], str] = {}

LIBRARIES = frozenset({"scrapy", "twisted", "redis"})
"""The third-party top-level modules the rules govern (:meth:`Layer.allows`)."""


# -- reading the imports ------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    """One imported module, as an import statement of ``importer`` names it."""

    importer: str
    target: str  # a module of the tree (govnews) or a third-party top-level name
    line: int
    type_only: bool  # under ``if TYPE_CHECKING:``: read by mypy, never run

    def __str__(self) -> str:
        return f"{self.importer} imports {self.target} (line {self.line}{', TYPE_CHECKING' if self.type_only else ''})"


@functools.lru_cache(maxsize=1024)
def _parse(source: str) -> ast.Module:
    """A module's syntax tree; a copy of the tree (the self-test's) parses each file once."""
    return ast.parse(source)


@dataclass(frozen=True)
class _Statement:
    """One import as written: ``import module`` (no names) or ``from <level dots>module import names``."""

    module: str
    names: tuple[str, ...]
    level: int
    line: int
    type_only: bool


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


@functools.lru_cache(maxsize=1024)
def _statements(source: str) -> tuple[_Statement, ...]:
    """Every import statement of a module, at any depth (in functions, classes, ``try``),
    each marked when it sits under ``if TYPE_CHECKING:`` (its ``else`` runs)."""
    found: list[_Statement] = []

    def visit(node: ast.AST, type_only: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, type_only)
            return
        if isinstance(node, ast.Import):
            found.extend(_Statement(alias.name, (), 0, node.lineno, type_only) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            found.append(_Statement(node.module or "", names, node.level, node.lineno, type_only))
        for inner in ast.iter_child_nodes(node):
            visit(inner, type_only)

    visit(_parse(source), False)
    return tuple(found)


@dataclass
class Tree:
    """The modules of a checkout's ``govnews/`` and what each imports (read, never run)."""

    root: Path
    files: dict[str, Path] = field(default_factory=dict)
    imports: dict[str, list[Import]] = field(default_factory=dict)
    libraries: dict[str, list[Import]] = field(default_factory=dict)

    @classmethod
    def read(cls, root: Path = ROOT) -> Tree:
        tree = cls(root)
        for path in sorted((root / PACKAGE).rglob("*.py")):
            tree.files[tree.module_name(path)] = path
        for module, path in tree.files.items():
            tree.imports[module], tree.libraries[module] = tree._imports_of(module, path)
        return tree

    def module_name(self, path: Path) -> str:
        parts = path.relative_to(self.root).with_suffix("").parts
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    def is_package(self, module: str) -> bool:
        return self.files[module].name == "__init__.py"

    def _known(self, dotted: str) -> str | None:
        """The longest prefix of ``dotted`` that is a module of the tree."""
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            if ".".join(parts[:end]) in self.files:
                return ".".join(parts[:end])
        return None

    def _base_of(self, module: str, level: int) -> str | None:
        """What a relative import of ``level`` dots starts from in ``module``: its own package
        for one dot (a package's ``__init__`` is that package), one up for each further dot."""
        package = module if self.is_package(module) else module.rpartition(".")[0]
        parts = package.split(".")
        if level - 1 >= len(parts):
            return None  # past the top-level package: Python raises ImportError on import; no layer to judge
        return ".".join(parts[: len(parts) - (level - 1)])

    def _imports_of(self, module: str, path: Path) -> tuple[list[Import], list[Import]]:
        ours: list[Import] = []
        theirs: list[Import] = []

        def add(dotted: str, line: int, type_only: bool) -> None:
            top = dotted.split(".", maxsplit=1)[0]
            if top == PACKAGE:
                target = self._known(dotted)
                found = Import(module, target, line, type_only) if target not in (None, module) else None
                if found is not None and found not in ours:
                    ours.append(found)
            elif (found := Import(module, top, line, type_only)) not in theirs:
                theirs.append(found)

        for statement in _statements(path.read_text(encoding="utf-8")):
            if statement.level:
                base = self._base_of(module, statement.level)
                if base is None:
                    continue
                source = f"{base}.{statement.module}" if statement.module else base
            else:
                source = statement.module
            if not statement.names:  # ``import a.b``
                add(source, statement.line, statement.type_only)
            for name in statement.names:
                # ``from x import y``: the module x.y when there is one, else a name of x.
                candidate = f"{source}.{name}"
                add(candidate if candidate in self.files else source, statement.line, statement.type_only)
        return ours, theirs

    # -- what the rules see ---------------------------------------------------------------

    def modules(self) -> list[str]:
        """The modules the rules govern."""
        return list(self.files)


def part_of(module: str) -> str:
    """``govnews.store.walk`` → ``store``; ``govnews`` (the package's own module) → ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def ancestors(module: str) -> list[str]:
    """The packages Python runs before ``module``: ``govnews.a.b`` → ``govnews``, ``govnews.a``."""
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


# -- the checks: each returns the disagreements, one sentence each --------------------------


def unknown_parts(tree: Tree, layers: Sequence[Layer] = LAYERS) -> list[str]:
    """Modules in no layer, and layers with no module: the table is the tree's."""
    names = {layer.name for layer in layers}
    found = {part_of(m) for m in tree.modules()}
    problems = [
        f"{m} ({tree.files[m].relative_to(tree.root)}) is in no layer: give {part_of(m)!r} a row in "
        "tests/layers.py (LAYERS)"
        for m in tree.modules()
        if part_of(m) not in names
    ]
    problems += [
        f"the layer {name!r} of tests/layers.py has no module in the tree: drop its row"
        for name in sorted(names - found)
    ]
    problems += [
        f"the layer {layer.name!r} may import {below!r}, which is not a layer below it"
        for index, layer in enumerate(layers)
        for below in sorted(layer.may_import)
        if below not in {lower.name for lower in layers[:index]}
    ]
    return problems


def _allowed(importer: str, target_part: str, layers: Sequence[Layer]) -> bool:
    by_name = {layer.name: layer for layer in layers}
    layer, target = by_name.get(part_of(importer)), by_name.get(target_part)
    if layer is None or target is None:
        return True  # unknown_parts says so
    return target_part == layer.name or target_part in layer.may_import or target.read_by_all


def upward_imports(tree: Tree, layers: Sequence[Layer] = LAYERS) -> list[str]:
    """Imports of govnews modules the importer's layer may not import (``TYPE_CHECKING`` ones
    too: a type names the layer it comes from)."""
    return [
        f"{i}: the layer {part_of(i.importer)!r} may not import {part_of(i.target)!r}"
        for m in tree.modules()
        for i in tree.imports[m]
        if not _allowed(m, part_of(i.target), layers) and (m, part_of(i.target)) not in EXCEPTIONS
    ]


def forbidden_libraries(tree: Tree, layers: Sequence[Layer] = LAYERS) -> list[str]:
    """Imports of Scrapy (or Twisted) and Redis by a layer whose row does not allow them."""
    by_name = {layer.name: layer for layer in layers}
    problems = []
    for m in tree.modules():
        layer = by_name.get(part_of(m))
        for i in tree.libraries[m]:
            if layer is None or i.target not in LIBRARIES or layer.allows(i.target) or (m, i.target) in EXCEPTIONS:
                continue
            problems.append(f"{i}: the layer {layer.name!r} may not import {i.target}")
    return problems


def unneeded_exceptions(tree: Tree, layers: Sequence[Layer] = LAYERS) -> list[str]:
    """Exceptions no import needs any more: each goes once its import has."""
    by_name = {layer.name: layer for layer in layers}
    problems = []
    for (module, what), why in EXCEPTIONS.items():
        layer = by_name.get(part_of(module))
        if what in LIBRARIES:
            imported = any(i.target == what for i in tree.libraries.get(module, ()))
            needed = imported and layer is not None and not layer.allows(what)
        else:
            imported = any(part_of(i.target) == what for i in tree.imports.get(module, ()))
            needed = imported and not _allowed(module, what, layers)
        if not needed:
            problems.append(f"the exception ({module}, {what}: {why}) in tests/layers.py is not needed: drop it")
    return problems


def import_graph(tree: Tree) -> dict[str, set[str]]:
    """What importing each module runs first: the modules it imports at run time (at any depth:
    a function's import runs too), and the packages above each that are not already running
    (importing ``govnews.a.b`` runs ``govnews/a/__init__.py`` unless the importer is inside
    ``govnews.a``). ``TYPE_CHECKING`` imports never run."""
    graph: dict[str, set[str]] = {}
    for m in tree.modules():
        running = {m, *ancestors(m)}
        targets: set[str] = set()
        for i in tree.imports[m]:
            if i.type_only:
                continue
            targets.add(i.target)
            targets.update(a for a in ancestors(i.target) if a not in running and a in tree.files)
        graph[m] = {t for t in targets if t != m}
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the strongly connected sets of more than one module, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def cycles(tree: Tree) -> list[str]:
    """Each import cycle, with the imports that close it."""
    graph = import_graph(tree)
    problems = []
    for group in strongly_connected(graph):
        members = set(group)
        edges = [f"{m} → {t}" for m in group for t in sorted(graph[m] & members)]
        problems.append(f"import cycle of {len(group)} modules: {'; '.join(edges)}")
    return problems


# -- the docs made from the rules ----------------------------------------------------------

DOCSTRING_LEAD = "Layer rules ("
SECTION_BEGIN = "<!-- The layers: made by `python -m tests.layers --write` from tests/layers.py; edit that. -->"
SECTION_END = "<!-- end of the layers -->"


def _names(names: Iterable[str], final: str = "and") -> str:
    items = list(names)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {final} {items[-1]}"


def _ordered(names: Iterable[str], layers: Sequence[Layer]) -> list[str]:
    """``names`` in the table's order, highest layer first (as a reader looks down)."""
    chosen = set(names)
    return [layer.name for layer in reversed(layers) if layer.name in chosen]


def _libraries(layer: Layer) -> str:
    if layer.scrapy and layer.redis:
        return "may import Scrapy, Twisted and Redis"
    if layer.scrapy:
        return "may import Scrapy and Twisted, not Redis"
    if layer.redis:
        return "may import Redis, not Scrapy or Twisted"
    return "may import none of Scrapy, Twisted and Redis"


def _exceptions_of(part: str) -> list[str]:
    return [
        f"for now {module} imports {what} ({why})"
        for (module, what), why in EXCEPTIONS.items()
        if part_of(module) == part
    ]


def docstring_paragraph(layer: Layer, layers: Sequence[Layer] = LAYERS) -> str:
    """The paragraph of the layer's rules that ends its folder's docstring."""
    shared = [f":mod:`{PACKAGE}.{lay.name}`" for lay in layers if lay.read_by_all and lay.name != "__init__"]
    below = [f":mod:`{PACKAGE}.{name}`" for name in _ordered(layer.may_import, layers)]
    above = [f":mod:`{PACKAGE}.{lay.name}`" for lay in reversed(layers) if layer.name in lay.may_import]
    text = (
        f"{DOCSTRING_LEAD}from tests/layers.py; ``python -m tests.layers --write`` writes this "
        "paragraph): "
        + (f"may import {_names(below)}" if below else "may import nothing of govnews")
        + f" besides what every part reads ({_names([*shared, f'``{PACKAGE}.__version__``'])}); "
        + _libraries(layer)
        + "."
    )
    exceptions = _exceptions_of(layer.name)
    if exceptions:
        text += f" Not yet so: {'; '.join(exceptions)}."
    text += (
        f" Built on by {_names(above)}, which it never imports."
        if above
        else " No part imports it: Scrapy loads it by the names the settings give."
    )
    return textwrap.fill(text, width=95, break_long_words=False, break_on_hyphens=False)


def layer_path(root: Path, name: str) -> str:
    """Where a layer lives: a folder (``govnews/store/``) or a module (``govnews/text.py``)."""
    if name == "__init__":
        return f"{PACKAGE}/__init__.py"
    return f"{PACKAGE}/{name}/" if (root / PACKAGE / name).is_dir() else f"{PACKAGE}/{name}.py"


def _modules_of(tree: Tree, name: str) -> str:
    """The modules of a folder layer as a reader names them (``base, redis, spiders/wuhan``),
    its packages' ``__init__`` aside."""
    prefix = f"{PACKAGE}.{name}."
    return ", ".join(
        sorted(
            m[len(prefix) :].replace(".", "/")
            for m in tree.modules()
            if m.startswith(prefix) and not tree.is_package(m)
        )
    )


def ranks(layers: Sequence[Layer] = LAYERS) -> dict[str, int]:
    """Each layer's height: 0 for one that imports no layer, else one above the highest it may import."""
    rank: dict[str, int] = {}
    for layer in layers:
        rank[layer.name] = 1 + max((rank.get(name, 0) for name in layer.may_import), default=-1)
    return rank


def architecture_section(tree: Tree, layers: Sequence[Layer] = LAYERS) -> str:
    """The generated part of ``docs/architecture.md``'s layer section: diagram, table, libraries."""
    rank = ranks(layers)
    stacked = [lay for lay in layers if not lay.read_by_all]
    rows = [
        "  " + " · ".join(lay.name for lay in stacked if rank[lay.name] == height)
        for height in sorted({rank[lay.name] for lay in stacked}, reverse=True)
    ]
    shared = [
        layer_path(tree.root, lay.name) if lay.name == "__init__" else lay.name for lay in layers if lay.read_by_all
    ]
    width = max(len(row) for row in rows) + 2
    diagram = "\n   ▼\n".join(rows) + "\n" + "─" * width + f"\n  {' · '.join(shared)}   (every part reads them)"
    table = [
        "| part | holds | its modules | may import | Scrapy | Redis |",
        "|---|---|---|---|---|---|",
    ]
    for layer in reversed(layers):
        where = layer_path(tree.root, layer.name)
        modules = _modules_of(tree, layer.name) if where.endswith("/") else ""
        below = ", ".join(_ordered(layer.may_import, layers)) or "—"
        if layer.read_by_all:
            below = "— (every part may import it)"
        yes = {True: "yes", False: "—"}
        table.append(
            f"| `{where}` | {layer.holds} | {modules or '—'} | {below} | {yes[layer.scrapy]} | {yes[layer.redis]} |"
        )
    redis = [layer_path(tree.root, lay.name) for lay in layers if lay.redis]
    notes = [
        "Lowest layer at the bottom: a part imports only the parts on rows below its own",
        "(exactly which: the table) and the ones every part reads; nothing imports a part above it.",
        "`tests/test_layout.py` reads every import of the package, absolute and relative, at any depth",
        "of a module and under `TYPE_CHECKING` too, and fails on an import the table does not allow,",
        "on Scrapy or Redis imported where the table says no, and on any import cycle (a function's",
        "import counts; a `TYPE_CHECKING` one never runs, so not for cycles). Every module of a folder",
        "takes its folder's row; a new folder needs a row in `tests/layers.py`.",
        "",
        "```",
        diagram,
        "```",
        "",
        *table,
        "",
        f"Redis is imported only by {_names(f'`{p}`' for p in redis)}, and only when `REDIS_URL` is set:",
        "a SQLite user never loads it (`tests/test_layout.py` imports each entry point and checks).",
    ]
    exceptions = [f"`{module}` imports {what} ({why})" for (module, what), why in EXCEPTIONS.items()]
    if exceptions:
        notes += ["", f"Not yet so, and allowed until it is: {'; '.join(exceptions)}."]
    return "\n".join([SECTION_BEGIN, *notes, SECTION_END])


def _with_paragraph(source: str, paragraph: str) -> str:
    """``source`` (a module) with its docstring's layer paragraph replaced by ``paragraph``, or
    ended with it when it has none (a module without a docstring gets one)."""
    body = _parse(source).body
    first = body[0] if body else None
    if not (
        isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    ):
        return f'"""{paragraph}\n"""\n\n{source}'
    lines = source.splitlines(keepends=True)
    start, end = first.lineno - 1, first.end_lineno or first.lineno
    literal = "".join(lines[start:end]).rstrip("\n")
    quote = literal[-3:]
    if quote not in ('"""', "'''"):
        raise ValueError(f"a docstring in triple quotes, please: {literal[:60]!r}")
    opening = literal.index(quote) + 3
    inner = literal[opening:-3]
    kept = [p for p in re.split(r"\n[ \t]*\n", inner.strip("\n")) if not p.startswith(DOCSTRING_LEAD)]
    text = "\n\n".join([*kept, paragraph]) + "\n"
    return "".join([*lines[:start], literal[:opening], text, quote, "\n", *lines[end:]])


def generated(tree: Tree, layers: Sequence[Layer] = LAYERS) -> dict[Path, str]:
    """Each generated file's text as the rules make it: the folder docstrings, architecture.md."""
    files: dict[Path, str] = {}
    for layer in layers:
        init = tree.root / PACKAGE / layer.name / "__init__.py"
        if layer.name != "__init__" and init.is_file():
            files[init] = _with_paragraph(init.read_text(encoding="utf-8"), docstring_paragraph(layer, layers))
    page = tree.root / ARCHITECTURE
    text = page.read_text(encoding="utf-8")
    if SECTION_BEGIN in text and SECTION_END in text:
        head, rest = text.split(SECTION_BEGIN, 1)
        files[page] = head + architecture_section(tree, layers) + rest.split(SECTION_END, 1)[1]
    return files


def stale_docs(tree: Tree, layers: Sequence[Layer] = LAYERS) -> list[str]:
    """Generated texts that are not what the rules make (each named, with the line that differs)."""
    problems = []
    page = tree.root / ARCHITECTURE
    made = generated(tree, layers)
    if page not in made:
        problems.append(f"{ARCHITECTURE} has no generated layer section ({SECTION_BEGIN} … {SECTION_END})")
    for path, text in made.items():
        current = path.read_text(encoding="utf-8")
        if current != text:
            old, new = current.splitlines(), text.splitlines()
            line = next((n for n, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
            wanted = new[line] if line < len(new) else "(nothing)"
            problems.append(
                f"{path.relative_to(tree.root)} line {line + 1} is not the rules' ({wanted!r}): "
                "run python -m tests.layers --write"
            )
    for layer in layers:
        init = tree.root / PACKAGE / layer.name / "__init__.py"
        if init.is_file():
            docstring = ast.get_docstring(_parse(init.read_text(encoding="utf-8"))) or ""
            others = [p for p in docstring.split("\n\n") if not p.startswith(DOCSTRING_LEAD)]
            problems += [
                f"{init.relative_to(tree.root)} states a layer rule by hand ({p.split(chr(10))[0]!r}…): "
                "the rules are tests/layers.py's paragraph"
                for p in others
                if re.search(r"\bmay\s+import\b|\bnever\s+imports?\b", p, re.IGNORECASE)
            ]
    return problems


def missing_paths(tree: Tree) -> list[str]:
    """Paths of the package that ``docs/architecture.md`` names (its data-flow diagram too)
    and the tree lacks."""
    text = (tree.root / ARCHITECTURE).read_text(encoding="utf-8")
    # A file (with its extension) or a folder (with its slash): stats keys (govnews/list/end_404) are neither.
    named = sorted(set(re.findall(rf"\b{PACKAGE}/(?:(?:\w+/)*\w+\.\w+\b|(?:\w+/)+(?!\w))", text)))
    return [f"{ARCHITECTURE} names {path}, which the tree lacks" for path in named if not (tree.root / path).exists()]


def problems(tree: Tree, layers: Sequence[Layer] = LAYERS) -> list[str]:
    """Every disagreement between the rules, the tree and the docs."""
    return [
        *unknown_parts(tree, layers),
        *upward_imports(tree, layers),
        *forbidden_libraries(tree, layers),
        *unneeded_exceptions(tree, layers),
        *cycles(tree),
        *stale_docs(tree, layers),
        *missing_paths(tree),
    ]


def write(tree: Tree, layers: Sequence[Layer] = LAYERS) -> list[Path]:
    """Rewrite the generated texts that differ; the paths rewritten."""
    changed = []
    for path, text in generated(tree, layers).items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args not in ([], ["--write"]):
        print("usage: python -m tests.layers [--write]", file=sys.stderr)
        return 2
    tree = Tree.read()
    if args:
        for path in write(tree):
            print(f"rewrote {path.relative_to(tree.root)}")
        tree = Tree.read()
    found = problems(tree)
    for problem in found:
        print(problem)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
