"""``-a probe=1``: what the site looks like to our selectors, one list page and two
articles per column, printed as a report; nothing is exported.

The quickest way to learn whether the real site still matches ``../shared/SITE.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govnews.extract.article import GOV_META_NAMES, ArticlePage
from govnews.extract.listing import ListPage

ARTICLES_PER_COLUMN = 2


@dataclass
class ColumnProbe:
    path: str
    name: str
    list_url: str = ""
    list_result: str = "not fetched"
    articles: list[str] = field(default_factory=list)
    followed: int = 0


@dataclass
class ProbeReport:
    columns: dict[str, ColumnProbe] = field(default_factory=dict)

    def column(self, path: str, name: str) -> ColumnProbe:
        return self.columns.setdefault(path, ColumnProbe(path, name))

    def list_page(self, probe: ColumnProbe, url: str, page: ListPage) -> None:
        pager = page.pager
        pages = f"{pager.page_count} pages" if pager.page_count is not None else "page count unknown"
        probe.list_url = url
        probe.list_result = (
            f"{len(page.rows)} rows from {page.row_source}; pager {pager.form} ({pages}); "
            f"{sum(1 for r in page.rows if r.date)} rows dated"
        )

    def list_failed(self, probe: ColumnProbe, url: str, reason: str) -> None:
        probe.list_url = url
        probe.list_result = f"FAILED: {reason}"

    def article(self, probe: ColumnProbe, url: str, page: ArticlePage, published_from: str | None) -> None:
        present = [name for name in GOV_META_NAMES if name in page.meta]
        missing = [name for name in GOV_META_NAMES if name not in page.meta]
        extra = [name for name in page.meta if name not in GOV_META_NAMES]
        probe.articles.append(
            "\n".join(
                [
                    f"    {url}",
                    f"      body: {page.body_selector} ({len(page.paragraphs)} paragraphs, {len(page.images)} images, "
                    f"{len(page.attachments)} attachments)",
                    f"      title: {page.title_from}; published_at: {published_from or 'none'}; "
                    f"source: {'yes' if page.source else 'no'}; author: {'yes' if page.author else 'no'}; "
                    f"editor: {'yes' if page.editor else 'no'}",
                    f"      fallbacks: {', '.join(page.fallbacks) or 'none'}; later pages: {len(page.more_pages)}",
                    f"      meta tags: {', '.join(present) or 'none'}",
                    f"      meta tags missing: {', '.join(missing) or 'none'}",
                    f"      policy header: {', '.join(extra) or 'none'}",
                ]
            )
        )

    def article_failed(self, probe: ColumnProbe, url: str, reason: str) -> None:
        probe.articles.append(f"    {url}\n      FAILED: {reason}")

    def render(self, base_url: str) -> str:
        lines = [f"govnews probe of {base_url} (nothing exported)"]
        for probe in self.columns.values():
            lines.append(f"  column {probe.path} ({probe.name})")
            lines.append(f"    list {probe.list_url or '-'}: {probe.list_result}")
            lines.extend(probe.articles or ["    no article fetched"])
        return "\n".join(lines)
