"""The mirror's columns (栏目): path, name, pager form and row form, as SITE.md lists them."""

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

# Row forms.
ROWS_ANCHOR = "anchor"
"""``div.articleList li`` with an ``<a href>`` and a date ``<span>``."""
ROWS_SCRIPT = "script"
"""市政府文件: ``url = "…"; title = "…"; var FILENUM= "…"; document.writeln("date")``."""
ROWS_VARIABLES = "variables"
"""政府规章: ``var dUrl = '…'; var dTitle = '…'; var dRN = '…'; var dFN = '…'; var dCon = '…';``."""


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the mirror, fixed at import time."""

    key: str
    path: str
    name: str
    pager: str
    rows: str
    list_date_format: str = "%Y-%m-%d"
    policy: bool = False
    """Articles carry the policy header (索引号, 发文机构 …)."""


WHYW = ColumnSpec("whyw", "/sy/whyw/", "武汉要闻", PAGER_CREATE_PAGE_HTML, ROWS_ANCHOR)
KWH = ColumnSpec("kwh", "/sy/kwh/", "媒体看武汉", PAGER_NONE_EMPTY_PAGE, ROWS_ANCHOR)
TZGG = ColumnSpec("tzgg", "/zwgk/tzgg/", "通知公告", PAGER_NONE_404, ROWS_ANCHOR)
ZCJD = ColumnSpec(
    "zcjd",
    "/zwgk/xxgk/zcjd/",
    "政策解读",
    PAGER_COUNT_PAGE,
    ROWS_ANCHOR,
    list_date_format="%Y年%m月%d日",
    policy=True,
)
SZFWJ = ColumnSpec("szfwj", "/zwgk/xxgk/zfwj/szfwj/", "市政府文件", PAGER_CREATE_PAGE_HTML, ROWS_SCRIPT, policy=True)
ZFGZ = ColumnSpec("zfgz", "/zwgk/xxgk/zfgz_new/", "政府规章", PAGER_SINGLE, ROWS_VARIABLES, policy=True)

COLUMNS: tuple[ColumnSpec, ...] = (WHYW, KWH, TZGG, ZCJD, SZFWJ, ZFGZ)
COLUMN_BY_PATH: dict[str, ColumnSpec] = {c.path: c for c in COLUMNS}

# Which column article i belongs to: a 20-article cycle, so any 20 consecutive articles hold
# 7 武汉要闻, 3 each of the four paged columns and 1 政府规章 (a small, single-page column).
COLUMN_CYCLE: tuple[ColumnSpec, ...] = (
    WHYW, KWH, ZCJD, WHYW, TZGG, SZFWJ, WHYW, KWH, ZCJD, WHYW,
    TZGG, SZFWJ, WHYW, KWH, ZCJD, WHYW, TZGG, SZFWJ, ZFGZ, WHYW,
)  # fmt: skip

# A column the crawler is never asked for; list rows link into it (SITE.md "Lists can hold
# links to … other columns").
UNWANTED_COLUMN_PATH = "/zjwh/whly/"
UNWANTED_COLUMN_NAME = "文化旅游"

# With MirrorSite(faults=True), 武汉旅游 is served (and crawled): its page 1 claims
# createPageHTML(99999, 0, …) but only pages 1-2 exist, 3 articles each; later pages are 404.
HUGE_PAGER_COLUMN = ColumnSpec("whly", "/zjwh/whly/", "武汉旅游", PAGER_CREATE_PAGE_HTML, ROWS_ANCHOR)
HUGE_PAGER_CLAIMED_PAGES = 99999
HUGE_PAGER_REAL_PAGES = 2
HUGE_PAGER_ROWS_PER_PAGE = 3
# That is the unwanted column's path, so with faults the unwanted rows point here instead.
FAULTS_UNWANTED_COLUMN_PATH = "/zjwh/whrw/"
FAULTS_UNWANTED_COLUMN_NAME = "武汉人物"
