"""Two sites beside the mirror's, for discovery's tests (pure stdlib, nothing from govnews):
a home page built to trap a crawler (:class:`HostileSite`) and a site of another
publishing system (:class:`PlainSite`). Each is served by ``MirrorServer(site)``.
"""

from __future__ import annotations

from datetime import date, timedelta

from . import phrases
from .layout import esc
from .navigation import calendar
from .site import MirrorResponse

_HTML = "text/html; charset=utf-8"


class HostileSite:
    """A site whose home page is built to trap a crawler (see the module docstring).

    Served by ``MirrorServer(HostileSite())``. Its one real column is ``/news/``
    (:data:`HOSTILE_COLUMN`), linked after everything else on the home page.
    """

    FARM_LINKS = 3000
    FARM_FANOUT = 50
    COLUMN = ("/news/", "要闻动态")

    def __init__(self) -> None:
        self._articles = [
            (f"/news/202601/t202601{d:02d}_{5000 + d}.shtml", f"要闻动态第{d}号：{phrases.TOPICS[d]}工作推进", d)
            for d in range(20, 8, -1)
        ]

    def real_columns(self) -> list[tuple[str, str]]:
        return [self.COLUMN]

    def render(self, path: str, host: str | None = None) -> MirrorResponse:
        parts = path.partition("?")
        route, query = parts[0], parts[2]
        if route == "/robots.txt":
            return MirrorResponse(200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow:\n")
        page = self._page(route, query)
        if page is None:
            return MirrorResponse(404, {"Content-Type": _HTML}, b"<html><body><h1>404</h1></body></html>")
        return MirrorResponse(200, {"Content-Type": _HTML}, page.encode("utf-8"))

    def _shell(self, title: str, body: str) -> str:
        # A site of the publishing system: its government meta tags are on every page.
        metas = '<meta name="SiteName" content="陷阱网站"><meta name="SiteIDCode" content="4201000099">'
        head = f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title>{metas}</head>\n'
        return f"{head}<body>\n{body}</body></html>\n"

    def _page(self, route: str, query: str) -> str | None:
        if route in ("/", "/index.shtml"):
            number = int(query.partition("page=")[2] or 1) if "page=" in query else 1
            farm = "".join(f'<a href="/farm/{i:04d}/">友情链接{i}</a>\n' for i in range(self.FARM_LINKS))
            body = (
                f'<div class="pager"><a href="/?page={number + 1}">下一页</a></div>\n'
                '<div class="cal"><a href="/rl/?date=2026-02">日历</a> <a href="/rl/2026/01/">按月</a></div>\n'
                '<div><a href="/loop/a/">循环</a></div>\n'
                f'<div class="farm">{farm}</div>\n'
                f'<div class="nav"><a href="{self.COLUMN[0]}">{self.COLUMN[1]}</a></div>\n'
            )
            return self._shell("陷阱网站", body)
        if route.startswith("/farm/"):
            depth = route.strip("/").split("/")
            links = "".join(f'<a href="{route}{k:02d}/">子链接{k}</a>\n' for k in range(self.FARM_FANOUT))
            return self._shell(f"链接农场 {'/'.join(depth[1:])}", f'<a href="/">首页</a>\n{links}')
        if route == "/rl/":
            return self._shell("日历", calendar("/rl/", query, date(2026, 1, 1)))
        if route.startswith("/rl/"):
            bits = [int(b) for b in route.strip("/").split("/")[1:] if b.isdigit()]
            year, month = (bits[0], bits[1]) if len(bits) >= 2 and 1 <= bits[1] <= 12 else (2026, 1)
            following = date(year, month, 1) + timedelta(days=32)
            days = "".join(f'<a href="/rl/{year}/{month:02d}/{d:02d}/">{d}</a>\n' for d in range(1, 29))
            return self._shell("按月日历", f'<a href="/rl/{following:%Y/%m}/">下月</a>\n{days}')
        if route.startswith("/loop/"):
            return self._shell("循环", '<a href="a/">再来一次</a>\n')
        if route in ("/news/", "/news/index.shtml"):
            items = "".join(
                f'<li><a href="./{p.removeprefix("/news/")}">{esc(t)}</a><span>2026-01-{d:02d}</span></li>\n'
                for p, t, d in self._articles
            )
            return self._shell("要闻动态-陷阱网站", f'<div class="articleList"><ul>\n{items}</ul></div>\n')
        for p, t, _ in self._articles:
            if route == p:
                return self._shell(t, f'<div class="view TRS_UEDITOR"><p>{esc(t)}。</p></div>\n')
        return None


class PlainSite:
    """A site of another publishing system: pages that link each other, no article of the
    TRS shape, no TRS pager, class or meta tag. Discovery must call it unsupported."""

    PAGES = ("/", "/blog/", "/about/", "/contact/", "/blog/page/2/", "/tags/", "/archive/")

    def render(self, path: str, host: str | None = None) -> MirrorResponse:
        route = path.partition("?")[0]
        if route == "/robots.txt":
            return MirrorResponse(200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow:\n")
        if route not in self.PAGES:
            return MirrorResponse(404, {"Content-Type": _HTML}, b"<html><body>not here</body></html>")
        links = "".join(f'<li><a href="{p}">{p.strip("/") or "home"}</a></li>' for p in self.PAGES)
        posts = "".join(
            f'<article><h2><a href="/blog/post-{n}.html">Post {n}</a></h2><time>2026-01-{n:02d}</time></article>'
            for n in range(1, 6)
        )
        page = f"<!DOCTYPE html><html><head><title>A blog</title></head><body><ul>{links}</ul>{posts}</body></html>"
        return MirrorResponse(200, {"Content-Type": _HTML}, page.encode())
