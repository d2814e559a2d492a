"""The page of changes: change records as one static HTML page a person reads (issue 30).

One file, readable offline: the style is inline, there is no script, and the page's own
Content-Security-Policy forbids any (and any font, image or style from the network), so it can
be opened from a disk, mailed or served as it is. Every text from the site is escaped
(:mod:`.render`). Each change is a ``section`` with its kind, the article's title linked to its
page (the last title, for a withdrawn one), its column, its revisions and when it was found,
then what :func:`~.render.change_html` shows: the summary, the fields old → new, the files, the
paragraphs with insertions (``<ins>``) and deletions (``<del>``) marked down to the character.
``data-kind``, ``data-url`` and ``data-revision`` name the record, for a program reading the page.

>>> page = render_page([], title="武汉市人民政府门户网站 · 变更", period="2026-12-07")
>>> "没有变化" in page and "<script" not in page
True
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from govnews import __version__

from .diff import CHANGE_KINDS, KIND_LABELS
from .render import change_html

__all__ = ["STYLE", "render_page"]

STYLE = """
:root { color-scheme: light; }
body { margin: 0; background: #f4f5f7; color: #1f2328;
  font: 15px/1.7 "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", sans-serif; }
header, main, footer { max-width: 60rem; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
.period, .counts { color: #57606a; margin: 0 0 .5rem; }
.counts span { margin-right: 1rem; }
section.change { background: #fff; border: 1px solid #d0d7de; border-left: 6px solid #0969da;
  border-radius: 6px; margin: 1rem 0; padding: .75rem 1rem; }
section.change-withdrawn { border-left-color: #cf222e; }
section.change-unlisted { border-left-color: #bf8700; }
section.change-restored { border-left-color: #1a7f37; }
h2 { font-size: 1.1rem; margin: 0; }
h2 a { color: #0969da; text-decoration: none; }
h2 a:hover { text-decoration: underline; }
.kind { display: inline-block; font-size: .8rem; font-weight: 600; border-radius: 1rem; padding: 0 .6rem;
  margin-right: .5rem; background: #ddf4ff; color: #0550ae; vertical-align: .1rem; }
.change-withdrawn .kind { background: #ffebe9; color: #a40e26; }
.change-unlisted .kind { background: #fff8c5; color: #7d4e00; }
.change-restored .kind { background: #dafbe1; color: #116329; }
.meta { color: #57606a; font-size: .85rem; margin: .2rem 0 .5rem; word-break: break-all; }
.summary { font-weight: 600; margin: .25rem 0 .5rem; }
table.fields { border-collapse: collapse; margin: .5rem 0; }
table.fields th, table.fields td { border: 1px solid #d0d7de; padding: .2rem .6rem; vertical-align: top; }
table.fields th { background: #f6f8fa; font-weight: 600; white-space: nowrap; }
.arrow { color: #57606a; }
ul.attachments { margin: .5rem 0; padding-left: 1.25rem; }
.op { border-top: 1px dashed #d0d7de; padding: .4rem 0; }
.where { color: #57606a; font-size: .85rem; margin: 0; }
.text { margin: .2rem 0; white-space: pre-wrap; }
ins { background: #ccffd8; color: #116329; text-decoration: underline; text-decoration-color: #1a7f37; }
del { background: #ffd7d5; color: #82071e; text-decoration: line-through; }
.none { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 1rem; }
footer { color: #57606a; font-size: .8rem; padding-bottom: 2rem; }
"""
"""The page's style (inline: nothing is fetched). ``<ins>`` green and underlined, ``<del>`` red and
struck through: legible without colour too."""

_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _section(record: Mapping[str, Any], column_names: Mapping[str, str]) -> str:
    kind = str(record.get("kind", ""))
    url = str(record.get("url", ""))
    title = str(record.get("title") or url)
    column = str(record.get("section_path", ""))
    column_text = f"{column_names[column]}（{column}）" if column in column_names else column
    revision, previous = record.get("revision"), record.get("previous_revision")
    revisions = f"第 {previous} → {revision} 版" if previous is not None else f"第 {revision} 版"
    found = str(record.get("detected_at", "")).replace("T", " ").replace("Z", " UTC")
    heading = (
        f'<h2><span class="kind">{escape(KIND_LABELS.get(kind, kind))}</span>'
        f'<a href="{escape(url)}">{escape(title)}</a></h2>'
    )
    meta = (
        f'<p class="meta">{escape(column_text)} · {escape(revisions)} · 发现于 {escape(found)} · '
        f'<a href="{escape(url)}">{escape(url)}</a></p>'
    )
    attributes = f'data-kind="{escape(kind)}" data-url="{escape(url)}" data-revision="{escape(str(revision))}"'
    opening = f'<section class="change change-{escape(kind)}" {attributes}>'
    return "\n".join((opening, heading, meta, change_html(record), "</section>"))


def render_page(
    records: Iterable[Mapping[str, Any]],
    *,
    title: str,
    period: str,
    column_names: Mapping[str, str] | None = None,
    generated_at: str = "",
) -> str:
    """The page of ``records`` (change records, ``change.schema.json``): newest found first (in
    their feed's order for the same instant), counted by kind at the top; ``period`` says what
    the page covers (a run's feed, the last N days), ``column_names`` names the columns."""
    ordered = sorted(records, key=lambda r: str(r.get("detected_at", "")), reverse=True)
    counts = Counter(str(r.get("kind")) for r in ordered)
    count_line = "".join(
        f'<span class="count-{kind}">{KIND_LABELS[kind]} {counts[kind]}</span>' for kind in CHANGE_KINDS if counts[kind]
    )
    names = column_names or {}
    body = "\n".join(_section(r, names) for r in ordered) or '<p class="none">此期间没有变化。</p>'
    footer = f"govnews {escape(__version__)}" + (f" · 生成于 {escape(generated_at)}" if generated_at else "")
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>{escape(title)}</h1>
<p class="period">{escape(period)}</p>
<p class="counts">{count_line or "没有变化"}</p>
</header>
<main>
{body}
</main>
<footer>{footer}</footer>
</body>
</html>
"""
