"""Page chrome shared by list and article pages: header nav, sidebar, footer, hot-list widget.

None of it is content: links here sit outside ``div.articleList`` and outside the body
container (SITE.md "Lists can hold links to other hosts and other columns"; "Sidebars such
as 一周热门 … are never body text and never a source of links").
"""

from __future__ import annotations

import html

from .columns import COLUMNS, UNWANTED_COLUMN_NAME, UNWANTED_COLUMN_PATH
from .phrases import SITE_ID_CODE, SITE_NAME

# Absolute links to other hosts in the chrome of every page.
NAV_OFFSITE_URLS: tuple[str, ...] = (
    "http://www.gov.cn/",
    "http://www.hubei.gov.cn/",
    "http://fgw.wuhan.gov.cn/",
    "http://mzj.wuhan.gov.cn/",
)
FOOTER_OFFSITE_URLS: tuple[str, ...] = (
    "https://beian.miit.gov.cn/",
    "http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=42010202000123",
    "http://bszs.conac.cn/sitename?method=show&id=072F2C8B2D2E4A1BE053022819AC5D84",
)


def esc(text: str) -> str:
    """Escape text content."""
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    """Escape an attribute value (double-quoted)."""
    return html.escape(text, quote=True)


def hot_widget() -> str:
    """一周热门: the bare Vue template the browser fills from JSON (SITE.md "Sidebars")."""
    return (
        '<div class="hot-list">\n'
        '<div class="hd"><h3>一周热门</h3></div>\n'
        '<div class="bd"><ul>\n'
        '<li v-for="(item,index) in hotList"><span>{{index+1}}</span>'
        '<a :href="item.url" target="_blank">{{item.title}}</a>'
        "<span>{{ item.time }}</span></li>\n"
        "</ul></div>\n"
        "</div>\n"
    )


def header_nav() -> str:
    """Top links: home, the columns, an unwanted column, other hosts, a javascript: link."""
    links = ['<a href="/">首页</a>']
    links += [f'<a href="{c.path}">{esc(c.name)}</a>' for c in COLUMNS]
    links.append(f'<a href="{UNWANTED_COLUMN_PATH}">{UNWANTED_COLUMN_NAME}</a>')
    names = ("中国政府网", "湖北省人民政府", "市发改委", "市民政局")
    links += [f'<a href="{attr(u)}" target="_blank">{n}</a>' for u, n in zip(NAV_OFFSITE_URLS, names, strict=True)]
    links.append('<a href="javascript:void(0)" id="cniil_wza">无障碍浏览</a>')
    return (
        '<div class="header">\n<div class="logo"><a href="/">'
        f'<img src="/images/logo.png" alt="{SITE_NAME}"></a></div>\n'
        '<div class="nav">' + "\n".join(links) + "</div>\n</div>\n"
    )


def sidebar(extra: str = "") -> str:
    """Right column: the hot list, then related links (to other hosts and columns)."""
    return (
        '<div class="main-right">\n' + hot_widget() + '<div class="related-links"><div class="hd">相关链接</div><ul>\n'
        f'<li><a href="{NAV_OFFSITE_URLS[1]}" target="_blank">湖北省人民政府</a></li>\n'
        f'<li><a href="{UNWANTED_COLUMN_PATH}">走进武汉</a></li>\n'
        '<li><a href="/sy/kwh/">媒体看武汉</a></li>\n'
        "</ul></div>\n" + extra + "</div>\n"
    )


def footer(updated: str = "") -> str:
    """Footer with the site identity code and registration links to other hosts; with
    ``updated``, the date the site says it was last updated (chrome, never content)."""
    return (
        '<div class="footer">\n<p>主办：武汉市人民政府办公厅　承办：武汉市政务服务和大数据管理局</p>\n'
        f"<p>网站标识码：{SITE_ID_CODE}　"
        f'<a href="{attr(FOOTER_OFFSITE_URLS[0])}" target="_blank">鄂ICP备05003334号</a>　'
        f'<a href="{attr(FOOTER_OFFSITE_URLS[1])}" target="_blank">'
        "鄂公网安备42010202000123号</a></p>\n"
        f'<p><a href="{attr(FOOTER_OFFSITE_URLS[2])}" target="_blank">'
        '<img src="/images/red.png" alt="党政机关"></a>　'
        '<a href="mailto:whszfwz@wuhan.gov.cn">联系我们</a></p>\n'
        + (f'<p class="updated">更新日期：{updated}</p>\n' if updated else "")
        + "</div>\n"
    )


def location(column_path: str, column_name: str, leaf: str = "") -> str:
    """Breadcrumb."""
    tail = f" &gt; {esc(leaf)}" if leaf else ""
    return (
        '<div class="location">当前位置：<a href="/">首页</a> &gt; '
        f'<a href="{column_path}">{esc(column_name)}</a>{tail}</div>\n'
    )


def not_found_page() -> bytes:
    """The small 404 page."""
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        "<title>404 页面不存在</title></head>\n"
        "<body><h1>404</h1><p>您访问的页面不存在或已被删除。</p></body></html>\n"
    ).encode()
