"""The mirror's columns (栏目): path, name, pager form, list and article forms, as SITE.md lists them."""

from __future__ import annotations

from dataclasses import dataclass

# Pager forms (SITE.md "List pages", the page count "in one of three forms").
PAGER_CREATE_PAGE_HTML = "createPageHTML"
"""Form 1: inline ``createPageHTML(N, cur, "index", "shtml");``, cur 0-based."""
PAGER_COUNT_PAGE = "countPage"
"""Form 2: ``var currentPage = 0;//所在页从0开始`` and ``var countPage = N//共多少页``."""
PAGER_NONE_EMPTY_PAGE = "none:empty-page"
"""Form 3: no pager; the page after the last is 200 with an empty ``div.articleList``."""
PAGER_NONE_404 = "none:404"
"""Form 3: no pager; the page after the last is a 404."""
PAGER_SINGLE = "single"
"""One page holds every row (政府规章), whatever ``per_page``; no pager, ``index_1.shtml`` is a 404."""

# List forms (SITE.md "List pages"): how a list page writes its rows. A column has two, the
# current one and an older one; older pages keep the older form (see MirrorSite).
LIST_LI = "li"
"""``div.articleList ul li``: an ``<a href>`` (title text, sometimes a ``title`` attribute) and a
date in ``span.time`` or a bare ``span`` (www since 2023; the district sites' plain anchors)."""
LIST_LI_TIME_SCRIPT = "li_time_script"
"""``li`` rows whose ``span.time`` holds ``<script>var fileNum = ""; …</script>`` before the date
text (www, 2026)."""
LIST_SCRIPT_2021 = "script_2021"
"""武汉要闻 in 2021: ``url = "./…"; title = "…";`` and ``document.write('<a href="' + url + …)``
in a ``<script>``, the date in a ``span`` after it; no ``<a>`` in the HTML."""
LIST_SCRIPT_2026 = "script_2026"
"""市政府文件 / 规范性文件 (2026): ``var url = "./…"``, ``var title = "…";`` (sometimes twice: the
last non-empty wins), ``var FILENUM = "…"`` (``"无"`` when none), ``document.writeln("<a
href="+url+" …>…")``, then ``document.writeln("2026-02-14 17:32");``."""
LIST_SCRIPT_LEGACY = "script_legacy"
"""Older 市政府文件 rows: ``url = "…"; title = "…"; var FILENUM= "…";`` and the date written
by a script inside ``span.time``."""
LIST_TABLE = "table"
"""A table, no ``div.articleList``: the link in one ``<td>``, the date in the next ``<td>`` of the
same ``<tr>`` (the ordos reference page)."""
LIST_DL = "dl"
"""``div.articleList`` of ``<dl><dt><a …></dt><dd>date</dd></dl>``, one ``dl`` a row."""
LIST_VARIABLES = "variables"
"""政府规章: ``var dUrl = '…'; var dTitle = '…'; var dRN = '…'; var dFN = '…'; var dCon = '…';``."""
LIST_VARIABLES_OLD = "variables_dq"
"""政府规章's older rows: the same variables in double quotes, in another order, on one line."""

ANCHOR_LIST_FORMS = frozenset({LIST_LI, LIST_LI_TIME_SCRIPT, LIST_TABLE, LIST_DL})
"""List forms whose rows are ``<a href>`` links in the HTML."""

# Article forms (SITE.md "Body"): the page template and its body container.
ARTICLE_UEDITOR = "ueditor"
"""``class="view TRS_UEDITOR trs_paper_default trs_web"`` (武汉要闻, current)."""
ARTICLE_TRS_EDITOR = "trs_editor"
"""``class="TRS_Editor"`` with its ``<style>`` (older documents)."""
ARTICLE_EDITOR_VIEW = "editor_view"
"""``class="trs_editor_view TRS_UEDITOR trs_paper_default trs_web"`` under a ``div.sub`` header of
``<li>label：value</li>`` pairs (市政府文件, 2026)."""
ARTICLE_BARE_EDITOR_VIEW = "bare_editor_view"
"""A bare ``div.trs_editor_view`` inside ``div#content``, ``发布日期：2025-09-30 08:56:00`` in
``#inside-content`` and no ``PubDate`` tag (sub-sites of the instance, e.g. tjj)."""


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the mirror, fixed at import time."""

    key: str
    path: str
    name: str
    pager: str
    list_forms: tuple[str, str]
    """(current, older) list forms."""
    article_forms: tuple[str, str]
    """(current, older) article forms."""
    list_date_format: str = "%Y-%m-%d"
    policy: bool = False
    """Articles carry the policy header (索引号, 发文机构 …)."""
    filenum_rows: bool = False
    """Rows carry the document number (FILENUM / dFN): the truth's 发文字号 when set."""

    @property
    def rows(self) -> str:
        """The current list form."""
        return self.list_forms[0]


WHYW = ColumnSpec(
    "whyw",
    "/sy/whyw/",
    "武汉要闻",
    PAGER_CREATE_PAGE_HTML,
    (LIST_LI, LIST_SCRIPT_2021),
    (ARTICLE_UEDITOR, ARTICLE_TRS_EDITOR),
)
KWH = ColumnSpec(
    "kwh", "/sy/kwh/", "媒体看武汉", PAGER_NONE_EMPTY_PAGE, (LIST_LI, LIST_DL), (ARTICLE_UEDITOR, ARTICLE_TRS_EDITOR)
)
TZGG = ColumnSpec(
    "tzgg", "/zwgk/tzgg/", "通知公告", PAGER_NONE_404, (LIST_LI, LIST_TABLE), (ARTICLE_UEDITOR, ARTICLE_TRS_EDITOR)
)
ZCJD = ColumnSpec(
    "zcjd",
    "/zwgk/xxgk/zcjd/",
    "政策解读",
    PAGER_COUNT_PAGE,
    (LIST_LI_TIME_SCRIPT, LIST_LI),
    (ARTICLE_EDITOR_VIEW, ARTICLE_UEDITOR),
    list_date_format="%Y年%m月%d日",
    policy=True,
)
SZFWJ = ColumnSpec(
    "szfwj",
    "/zwgk/xxgk/zfwj/szfwj/",
    "市政府文件",
    PAGER_CREATE_PAGE_HTML,
    (LIST_SCRIPT_2026, LIST_SCRIPT_LEGACY),
    (ARTICLE_EDITOR_VIEW, ARTICLE_TRS_EDITOR),
    policy=True,
    filenum_rows=True,
)
GFXWJ = ColumnSpec(
    "gfxwj",
    "/zwgk/xxgk/zfwj/gfxwj/",
    "规范性文件",
    PAGER_CREATE_PAGE_HTML,
    (LIST_SCRIPT_2026, LIST_SCRIPT_LEGACY),
    (ARTICLE_EDITOR_VIEW, ARTICLE_TRS_EDITOR),
    policy=True,
    filenum_rows=True,
)
ZFGZ = ColumnSpec(
    "zfgz",
    "/zwgk/xxgk/zfgz_new/",
    "政府规章",
    PAGER_SINGLE,
    (LIST_VARIABLES, LIST_VARIABLES_OLD),
    (ARTICLE_UEDITOR, ARTICLE_TRS_EDITOR),
    policy=True,
    filenum_rows=True,
)
GQDT = ColumnSpec(
    "gqdt",
    "/whyw/gqdt/",
    "各区动态",
    PAGER_COUNT_PAGE,
    (LIST_LI, LIST_TABLE),
    (ARTICLE_BARE_EDITOR_VIEW, ARTICLE_UEDITOR),
)

COLUMNS: tuple[ColumnSpec, ...] = (WHYW, KWH, TZGG, ZCJD, SZFWJ, GFXWJ, ZFGZ, GQDT)
COLUMN_BY_PATH: dict[str, ColumnSpec] = {c.path: c for c in COLUMNS}

# Which column article i belongs to: a 20-article cycle, so any 20 consecutive articles hold
# 5 武汉要闻, 3 each of 通知公告 and 市政府文件, 2 each of 媒体看武汉, 政策解读, 规范性文件 and
# 各区动态, and 1 政府规章 (a small, single-page column).
COLUMN_CYCLE: tuple[ColumnSpec, ...] = (
    WHYW, KWH, ZCJD, WHYW, TZGG, SZFWJ, GQDT, WHYW, GFXWJ, TZGG,
    WHYW, KWH, SZFWJ, ZCJD, WHYW, TZGG, GQDT, SZFWJ, ZFGZ, GFXWJ,
)  # fmt: skip

# A column the crawler is never asked for; list rows link into it (SITE.md "Lists can hold
# links to … other columns").
UNWANTED_COLUMN_PATH = "/zjwh/whly/"
UNWANTED_COLUMN_NAME = "文化旅游"

# With MirrorSite(faults=True), 武汉旅游 is served (and crawled): its page 1 claims
# createPageHTML(99999, 0, …) but only pages 1-2 exist, 3 articles each; later pages are 404.
HUGE_PAGER_COLUMN = ColumnSpec(
    "whly", "/zjwh/whly/", "武汉旅游", PAGER_CREATE_PAGE_HTML, (LIST_LI, LIST_LI), (ARTICLE_UEDITOR, ARTICLE_UEDITOR)
)
HUGE_PAGER_CLAIMED_PAGES = 99999
HUGE_PAGER_REAL_PAGES = 2
HUGE_PAGER_ROWS_PER_PAGE = 3
# That is the unwanted column's path, so with faults the unwanted rows point here instead.
FAULTS_UNWANTED_COLUMN_PATH = "/zjwh/whrw/"
FAULTS_UNWANTED_COLUMN_NAME = "武汉人物"
