"""The house's layout holds: the layer rules written once in ``tests/layers.py`` (which part may
import which, which may import Scrapy or Redis) hold for every import of the package, there
is no import cycle, the docs say what the rules say, and Redis is loaded only when it is
configured (the old import paths are gone: tests/test_old_paths.py).

The rule checks read the source (``tests/layers.py``: absolute and relative imports, at any
depth of a module, ``TYPE_CHECKING`` blocks included); their self-tests plant real bad imports
in a copy of the tree and see each check fail.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import layers
from tests.layers import Layer, Tree

ROOT = layers.ROOT
TREE = Tree.read(ROOT)


def test_every_module_is_in_a_layer_and_every_layer_in_the_tree() -> None:
    assert layers.unknown_parts(TREE) == []


def test_imports_point_one_way() -> None:
    assert layers.upward_imports(TREE) == []


def test_scrapy_and_redis_are_imported_only_where_the_rules_allow() -> None:
    assert layers.forbidden_libraries(TREE) == []


def test_every_exception_to_the_rules_is_still_needed() -> None:
    assert layers.unneeded_exceptions(TREE) == []


def test_there_is_no_import_cycle() -> None:
    assert layers.cycles(TREE) == []


def test_the_folder_docstrings_and_architecture_md_say_what_the_rules_say() -> None:
    """Made by ``python -m tests.layers --write``: run it after changing a rule or a folder."""
    assert layers.stale_docs(TREE) == []
    assert layers.missing_paths(TREE) == []


# -- the checks can fail: bad imports planted in a copy of the tree ------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the package and the architecture page, which every check passes: its docs are
    written from the rules first (whether the checkout's are is the test above's question)."""
    shutil.copytree(ROOT / "govnews", tmp_path / "govnews", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / layers.ARCHITECTURE, tmp_path / layers.ARCHITECTURE)
    layers.write(Tree.read(tmp_path))
    assert layers.problems(Tree.read(tmp_path)) == []
    return tmp_path


def plant(root: Path, module_path: str, code: str) -> None:
    """Append ``code`` to a module of the copy (a new module when there is none)."""
    path = root / module_path
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text(encoding="utf-8") if path.exists() else '"""Planted."""\n'
    path.write_text(f"{text}\n{code}\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("module_path", "code", "named"),
    [
        # absolute, at the top of a module
        (
            "govnews/extract/title.py",
            "from govnews.ops import screen",
            "govnews.extract.title imports govnews.ops.screen",
        ),
        # absolute, a name of a package's __init__
        ("govnews/sites/site.py", "from govnews.store import open_store", "govnews.sites.site imports govnews.store "),
        # relative from a module: .. is govnews (the case: extract into ops)
        (
            "govnews/extract/listing.py",
            "from ..ops import schedule",
            "govnews.extract.listing imports govnews.ops.schedule",
        ),
        # relative from a package's __init__: one dot is the package itself, two its parent
        (
            "govnews/extract/__init__.py",
            "from ..crawl import arguments",
            "govnews.extract imports govnews.crawl.arguments",
        ),
        # relative, three dots from a module of a subpackage
        ("govnews/crawl/spiders/wuhan.py", "from ...ops.progress import CrawlProgress", "imports govnews.ops.progress"),
        # relative with no module: ``from .. import x``
        ("govnews/store/walk.py", "from .. import pipelines", "govnews.store.walk imports govnews.pipelines "),
        # in a function
        (
            "govnews/sites/family.py",
            "def late():\n    from govnews.family import crawl",
            "imports govnews.family.crawl",
        ),
        # for types only: still the layer it comes from
        (
            "govnews/store/base.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..crawl.arguments import FamilyArguments",
            "govnews.store.base imports govnews.crawl.arguments (line",
        ),
        # a new module of a folder takes its folder's rules
        (
            "govnews/store/lease.py",
            "from govnews.crawl.fence import LeaseFenceMiddleware",
            "govnews.store.lease imports",
        ),
    ],
)
def test_a_planted_upward_import_fails(copy: Path, module_path: str, code: str, named: str) -> None:
    plant(copy, module_path, code)
    found = layers.upward_imports(Tree.read(copy))
    assert len(found) == 1 and named in found[0], found


@pytest.mark.parametrize(
    ("module_path", "code", "named"),
    [
        ("govnews/extract/html.py", "import scrapy", "govnews.extract.html imports scrapy"),
        ("govnews/documents/pool.py", "from twisted.internet import defer", "govnews.documents.pool imports twisted"),
        ("govnews/feeds/storage.py", "def late():\n    import redis.asyncio", "govnews.feeds.storage imports redis"),
        ("govnews/pipelines/validate.py", "from redis import Redis", "govnews.pipelines.validate imports redis"),
    ],
)
def test_a_planted_library_import_fails(copy: Path, module_path: str, code: str, named: str) -> None:
    plant(copy, module_path, code)
    found = layers.forbidden_libraries(Tree.read(copy))
    assert len(found) == 1 and named in found[0], found


@pytest.mark.parametrize(
    ("plants", "group"),
    [
        # through an __init__: govnews/store/__init__.py imports store.base, which reads a name of
        # the half-run package (importing govnews.store.base first fails with ImportError)
        ([("govnews/store/base.py", "from govnews.store import open_store")], ["govnews.store", "govnews.store.base"]),
        # the same, relative
        ([("govnews/store/journal.py", "from . import open_store")], ["govnews.store", "govnews.store.journal"]),
        # importing govnews.crawl.spiders.stray runs govnews/crawl/spiders/__init__.py, which
        # imports the importer: a cycle only the parent package closes (stray imports nothing)
        (
            [
                ("govnews/crawl/spiders/stray.py", '"""Imports nothing."""'),
                ("govnews/crawl/spiders/__init__.py", "from govnews.crawl import stop"),
                ("govnews/crawl/stop.py", "def late():\n    from govnews.crawl.spiders import stray"),
            ],
            ["govnews.crawl.spiders", "govnews.crawl.stop"],
        ),
        # three modules, one import in a function, one relative
        (
            [
                ("govnews/extract/dates.py", "from govnews.extract import scripts"),
                ("govnews/extract/scripts.py", "def late():\n    from .encoding import sniff"),
                ("govnews/extract/encoding.py", "from . import dates"),
            ],
            ["govnews.extract.dates", "govnews.extract.encoding", "govnews.extract.scripts"],
        ),
    ],
)
def test_a_planted_cycle_fails(copy: Path, plants: list[tuple[str, str]], group: list[str]) -> None:
    for module_path, code in plants:
        plant(copy, module_path, code)
    tree = Tree.read(copy)
    found = layers.cycles(tree)
    assert len(found) == 1 and found[0].startswith("import cycle of"), found
    (cycle,) = layers.strongly_connected(layers.import_graph(tree))
    assert set(group) <= set(cycle), cycle
    assert layers.upward_imports(tree) == []  # a cycle inside one part: only the cycle check sees it


def test_a_type_checking_import_makes_no_cycle(copy: Path) -> None:
    """The cycle of the first planted case, for types only: it never runs."""
    plant(copy, "govnews/store/base.py", "if TYPE_CHECKING:\n    from govnews.store import open_store")
    assert layers.cycles(Tree.read(copy)) == []


@pytest.mark.parametrize(
    ("module_path", "code", "target"),
    [
        ("govnews/store/__init__.py", "from . import paths", "govnews.store.paths"),
        ("govnews/store/walk.py", "from . import paths", "govnews.store.paths"),
        ("govnews/store/walk.py", "from . import open_store", "govnews.store"),
        ("govnews/store/walk.py", "from .paths import state_dir", "govnews.store.paths"),
        ("govnews/crawl/spiders/__init__.py", "from .wuhan import WuhanSpider", "govnews.crawl.spiders.wuhan"),
        ("govnews/crawl/spiders/wuhan.py", "from .. import arguments", "govnews.crawl.arguments"),
        ("govnews/crawl/spiders/wuhan.py", "from ..arguments import FamilyArguments", "govnews.crawl.arguments"),
        ("govnews/crawl/spiders/wuhan.py", "import govnews.store.paths as paths", "govnews.store.paths"),
        ("govnews/crawl/spiders/wuhan.py", "from govnews import settings", "govnews.settings"),
        ("govnews/crawl/spiders/wuhan.py", "from govnews import __version__", "govnews"),
    ],
)
def test_relative_imports_resolve_as_python_resolves_them(copy: Path, module_path: str, code: str, target: str) -> None:
    plant(copy, module_path, code)
    tree = Tree.read(copy)
    module = tree.module_name(copy / module_path)
    last = max(i.line for i in tree.imports[module])
    assert [i.target for i in tree.imports[module] if i.line == last] == [target]


def test_a_new_folder_needs_a_row_and_a_row_needs_its_folder(copy: Path) -> None:
    plant(copy, "govnews/stats/__init__.py", "")
    shutil.rmtree(copy / "govnews" / "sites")
    found = layers.unknown_parts(Tree.read(copy))
    assert len(found) == 2 and "govnews.stats" in found[0] and "'sites'" in found[1], found


def test_the_rules_point_down(copy: Path) -> None:
    upside_down = tuple(
        Layer("text", lay.holds, frozenset({"ops"})) if lay.name == "text" else lay for lay in layers.LAYERS
    )
    assert layers.unknown_parts(Tree.read(copy), upside_down) == [
        "the layer 'text' may import 'ops', which is not a layer below it"
    ]


@pytest.mark.parametrize(("what", "code"), [("redis", "import redis"), ("ops", "from govnews.ops import screen")])
def test_an_exception_goes_when_its_import_has(
    copy: Path, monkeypatch: pytest.MonkeyPatch, what: str, code: str
) -> None:
    monkeypatch.setattr(layers, "EXCEPTIONS", {**layers.EXCEPTIONS, ("govnews.text", what): "planted"})
    tree = Tree.read(copy)
    assert layers.unneeded_exceptions(tree) == [
        f"the exception (govnews.text, {what}: planted) in tests/layers.py is not needed: drop it"
    ]
    plant(copy, "govnews/text.py", code)
    tree = Tree.read(copy)
    assert layers.unneeded_exceptions(tree) == []
    assert layers.forbidden_libraries(tree) == [] and layers.upward_imports(tree) == []


def test_docs_that_disagree_with_the_rules_fail_until_written_again(copy: Path) -> None:
    tree = Tree.read(copy)
    store = copy / "govnews" / "store" / "__init__.py"
    text = store.read_text(encoding="utf-8")
    store.write_text(text.replace(layers.DOCSTRING_LEAD, f"{layers.DOCSTRING_LEAD}edited by hand, "), encoding="utf-8")
    assert [p.split(" line")[0] for p in layers.stale_docs(tree)] == ["govnews/store/__init__.py"]
    # a rule changed: the store may read the items too
    assert "items" not in next(lay for lay in layers.LAYERS if lay.name == "store").may_import
    changed = tuple(
        Layer(lay.name, lay.holds, lay.may_import | {"items"}, lay.read_by_all, lay.scrapy, lay.redis)
        if lay.name == "store"
        else lay
        for lay in layers.LAYERS
    )
    stale = [p.split(" line")[0] for p in layers.stale_docs(tree, changed)]
    assert stale == ["govnews/store/__init__.py", "docs/architecture.md"], stale
    assert set(layers.write(tree, changed)) == {store, copy / layers.ARCHITECTURE}
    assert layers.stale_docs(tree, changed) == []
    assert layers.stale_docs(tree) != []


def test_a_hand_written_rule_in_a_folder_docstring_fails(copy: Path) -> None:
    sites = copy / "govnews" / "sites" / "__init__.py"
    text = sites.read_text(encoding="utf-8")
    sites.write_text(text.replace('"""The sites', '"""May import the text only.\n\nThe sites', 1), encoding="utf-8")
    found = layers.stale_docs(Tree.read(copy))
    assert len(found) == 1 and "govnews/sites/__init__.py states a layer rule by hand" in found[0], found


def test_a_module_the_architecture_page_names_must_exist(copy: Path) -> None:
    (copy / "govnews" / "crawl" / "blocked.py").unlink()
    found = layers.missing_paths(Tree.read(copy))
    assert found == ["docs/architecture.md names govnews/crawl/blocked.py, which the tree lacks"]


@pytest.mark.slow  # a fresh interpreter each: out of the unit tier
@pytest.mark.parametrize(
    "module",
    [
        "govnews.crawl.spiders.wuhan",
        "govnews.crawl.spiders.family",
        "govnews.pipelines.incremental_state",
        "govnews.store",
        "govnews.store.walk",
        "govnews.store.run",
        "govnews.store.lease",
        "govnews.store.keys",
        "govnews.store.turns",
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
