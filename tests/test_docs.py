"""The docs match the tree: every path, make target, module (``python -m X``), tool of the
virtualenv, spider (``scrapy crawl X``) and scrapy command that the README and the docs
name exists; every link between them lands on a file and a heading; no page cites a file
users do not have (``SITE.md``, beside the checkout only); the columns the README calls
known are the site table's."""

from __future__ import annotations

import importlib.util
import pkgutil
import re
import sys
import tomllib
from pathlib import Path

import pytest
import scrapy.commands
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from govnews.sites import wuhan

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")

# Paths of the checkout that docs name in backticks (placeholders and globs aside).
# Files and folders of the checkout that docs name in backticks: a name with an extension, or a
# folder (ending in /); stats keys (govnews/list/end_404) look alike and are left out; a pytest
# node id (tests/test_x.py::test_y) names its test too.
_PATH_RE = re.compile(
    r"`((?:govnews|tests|docs|benchmarks|\.ci)/[^`\s*<>…]*?(?:\.\w+(?:::\w+)?|/)|Makefile|scrapy\.cfg|setup\.py)`"
)
_MAKE_RE = re.compile(r"(?<![\w-])make (?:-C \S+ )?([a-z][\w-]*)")
_MODULE_RE = re.compile(r"python3? -m ([\w.]+)")
_TOOL_RE = re.compile(r"\.venv/bin/([\w-]+)")
_CRAWL_RE = re.compile(r"scrapy crawl ([\w<>-]+)")
_LINK_RE = re.compile(r"\]\(([^)\s]+)\)")


def text_of(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def code_of(page: Path) -> str:
    """The page's code: fenced blocks and inline code spans, one a line."""
    text = text_of(page)
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL))
    return "\n".join(fenced + inline)


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", text_of(page), re.MULTILINE)}


def spiders() -> set[str]:
    return set(SpiderLoader.from_settings(get_project_settings()).list())


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_every_path_named_exists(page: Path) -> None:
    missing = []
    for named in _PATH_RE.findall(text_of(page)):
        path, _, test = named.partition("::")
        file = ROOT / path.rstrip("/")
        if not file.exists() or (test and f"def {test}(" not in file.read_text(encoding="utf-8")):
            missing.append(named)
    assert not missing, f"{page.name} names paths the tree does not have: {missing}"


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_every_make_target_named_exists(page: Path) -> None:
    targets = set(re.findall(r"^([a-z][\w-]*):", MAKEFILE, re.MULTILINE))
    named = set(_MAKE_RE.findall(code_of(page)))
    assert named <= targets, f"{page.name} names make targets the Makefile lacks: {sorted(named - targets)}"


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_every_module_and_tool_named_exists(page: Path) -> None:
    text = code_of(page)
    modules = [m for m in _MODULE_RE.findall(text) if importlib.util.find_spec(m) is None]
    assert not modules, f"{page.name} names modules that do not import: {modules}"
    bin_dir = Path(sys.executable).parent
    tools = [t for t in set(_TOOL_RE.findall(text)) if not (bin_dir / t).exists()]
    assert not tools, f"{page.name} names tools the virtualenv lacks: {tools}"


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_every_spider_and_scrapy_command_named_exists(page: Path) -> None:
    text = code_of(page)
    named = {s for s in _CRAWL_RE.findall(text) if "<" not in s}
    assert named <= spiders(), f"{page.name} names spiders that do not exist: {sorted(named - spiders())}"
    commands = set(re.findall(r"(?:^|[\s/])scrapy ([a-z][\w-]*)", text, re.MULTILINE))
    known = scrapy_commands()
    assert commands <= known, f"{page.name} names scrapy commands that do not exist: {sorted(commands - known)}"


def scrapy_commands() -> set[str]:
    """Scrapy's own commands (a module each) and the project's: its entry points in pyproject.toml
    (``crawl``, the project's ``COMMANDS_MODULE``, stands in for Scrapy's own)."""
    builtin = {module.name for module in pkgutil.iter_modules(scrapy.commands.__path__)}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return builtin | set(project["entry-points"]["scrapy.commands"])


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_every_link_lands(page: Path) -> None:
    broken = []
    for target in _LINK_RE.findall(text_of(page)):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file, _, anchor = target.partition("#")
        landing = (page.parent / file).resolve() if file else page
        if not landing.exists() or (anchor and landing.suffix == ".md" and anchor not in anchors(landing)):
            broken.append(target)
    assert not broken, f"{page.name} links to what is not there: {broken}"


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_no_page_cites_a_file_users_do_not_have(page: Path) -> None:
    assert "SITE.md" not in text_of(page) and "../shared" not in text_of(page)


def test_the_columns_the_readme_calls_known_are_the_site_tables() -> None:
    readme = text_of(ROOT / "README.md")
    row = next(line for line in readme.splitlines() if line.startswith("| `sections` |"))
    default, meaning = row.split("|")[2], row.split("|")[3]
    known = meaning.split("Also known:")[1].split("the bundled mirror")[0]  # what follows: the mirror's
    paths = re.findall(r"`([\w/]+)`", known) + default.strip(" `").split(",")
    listed = {"/" + p.strip("/") + "/" for p in paths}
    assert listed == {c.path for c in wuhan.COLUMNS}


def test_the_readme_names_the_make_variables_of_make_crawl() -> None:
    readme = text_of(ROOT / "README.md")
    for variable in re.findall(r"^([A-Z_]+) \?=", MAKEFILE, re.MULTILINE):
        if variable in ("PYTHON",):
            continue
        assert variable in readme, f"the README does not say what {variable} does"


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_the_spider_count_shown_is_the_projects(page: Path) -> None:
    """What ``scrapyd-deploy`` prints (``"spiders": N``) as the docs show it."""
    shown = {int(n) for n in re.findall(r'"spiders": (\d+)', text_of(page))}
    assert shown <= {len(spiders())}, f"{page.name} shows {shown} spiders; the project has {len(spiders())}"
