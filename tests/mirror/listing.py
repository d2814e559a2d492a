"""List rows in every list form of SITE.md, and what each row shows (its truth).

A row is first a model (``Row``: link, full title, publish time, what the row shows), then
HTML in one list form (``row_html``), inside that form's list markup (``list_html``). The
truth of a row (``row_truth``) is read from the model, never from the HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from .columns import (
    LIST_DL,
    LIST_LI,
    LIST_LI_TIME_SCRIPT,
    LIST_SCRIPT_2021,
    LIST_SCRIPT_2026,
    LIST_SCRIPT_LEGACY,
    LIST_TABLE,
    LIST_VARIABLES,
    LIST_VARIABLES_OLD,
)
from .layout import attr, esc

TITLE_CUT = 22
"""Rows with a title attribute show at most this many characters of the title, then "…"."""
NO_FILENUM = "无"
"""FILENUM of a 2026 script row for a document without a number."""


@dataclass(frozen=True)
class Row:
    """One list row as the model knows it."""

    href: str
    """As written in the page (relative, root-relative, absolute, ``javascript:``, ``mailto:``)."""
    title: str
    """The full title."""
    ts: datetime
    date_format: str
    """``strftime`` format of the row's date (``%Y-%m-%d`` or ``%Y年%m月%d日``)."""
    dated: bool = True
    time: bool = False
    """The date is followed by the time (``2026-02-14 17:32``)."""
    filenum: str = ""
    """The document number the row carries ("" when none)."""
    title_attr: bool = True
    span_time: bool = True
    style: int = 0
    """0..3: attribute order and quotes, tag case, whitespace, where the date sits; in
    2026 script rows, how ``title`` is assigned (once, "" then the title, the title then "",
    a shortened title then the full one)."""
    dcon: str = ""
    """政府规章's ``dCon`` (the first articles, as HTML)."""

    @property
    def date_text(self) -> str:
        text = self.ts.strftime(self.date_format)
        return f"{text} {self.ts:%H:%M}" if self.time else text

    @property
    def link_text(self) -> str:
        """The anchor's text: the title, cut when a title attribute holds it whole."""
        if self.title_attr and len(self.title) > TITLE_CUT:
            return self.title[:TITLE_CUT] + "…"
        return self.title


class RowTruth(TypedDict):
    """What one list row shows, as a crawler must read it."""

    form: str
    """The row's list form (``columns.LIST_*``)."""
    href: str
    """The link as written (resolve it against the list page)."""
    path: str | None
    """The expected article it links to (a path of this site), else None."""
    title: str
    """The full title (a title attribute, the last non-empty ``title`` …)."""
    date: str | None
    """``YYYY-MM-DD``, None when the row shows no date."""
    time: str | None
    """``HH:MM`` when the row shows a time after the date."""
    filenum: str | None
    """The document number (FILENUM, dFN), None when the row shows none (or ``无``)."""


def row_truth(form: str, row: Row, path: str | None) -> RowTruth:
    """The truth of ``row`` written in ``form``, from the model."""
    dated = row.dated and (form not in (LIST_VARIABLES, LIST_VARIABLES_OLD) or bool(row.filenum))
    return {
        "form": form,
        "href": row.href,
        "path": path,
        "title": row.title.strip(),
        "date": row.ts.strftime("%Y-%m-%d") if dated else None,
        "time": row.ts.strftime("%H:%M") if dated and row.time else None,
        "filenum": row.filenum or None,
    }


def row_html(form: str, row: Row) -> str:
    """``row`` written in list form ``form``."""
    return _RENDERERS[form](row)


def list_html(form: str, rows: list[str]) -> str:
    """The list markup around the rows of a page in ``form``: ``div.articleList`` with a
    ``ul`` (or ``dl`` rows), or for the table form a table and no ``div.articleList``."""
    body = "\n".join(rows)
    if form == LIST_TABLE:
        return (
            '<div class="list-bd">\n'
            '<table class="list_table" width="100%" border="0" cellspacing="0" cellpadding="0">\n<tbody>\n'
            f"{body}\n</tbody>\n</table>\n</div>\n"
        )
    if form == LIST_DL:
        return f'<div class="articleList">\n{body}\n</div>\n'
    return f'<div class="articleList"><ul>\n{body}\n</ul></div>\n'


# ---------------------------------------------------------------------- anchors


def _anchor(row: Row, quote: str = '"', upper: bool = False) -> str:
    q = quote
    title = f" title={q}{attr(row.title)}{q}" if row.title_attr else ""
    if upper:
        title = f" TITLE={q}{attr(row.title)}{q}" if row.title_attr else ""
        return f"<A HREF={q}{attr(row.href)}{q}{title}>{esc(row.link_text)}</A>"
    if row.style == 1:
        return f"<a target={q}_blank{q} href={q}{attr(row.href)}{q}{title}>{esc(row.link_text)}</a>"
    if row.style == 3:
        return f"<a href={q}{attr(row.href)}{q}\n   {title.strip()}>\n  {esc(row.link_text)}\n</a>"
    return f"<a href={q}{attr(row.href)}{q}{title} target={q}_blank{q}>{esc(row.link_text)}</a>"


def _date_span(row: Row, inner: str) -> str:
    return f'<span class="time">{inner}</span>' if row.span_time else f"<span>{inner}</span>"


def _li(row: Row) -> str:
    """SITE.md "Rows": ``li`` with an ``a`` and a date span (none unless ``dated``)."""
    date = _date_span(row, row.date_text) if row.dated else ""
    if row.style == 1:
        # The date first, single quotes, the row spread over lines.
        link = _anchor(row, quote="'")
        return f"<li>\n  {date}\n  {link}\n</li>" if date else f"<li>\n  {link}\n</li>"
    if row.style == 2:
        upper_date = date.replace("<span", "<SPAN").replace("</span>", "</SPAN>")
        return f"<LI>{_anchor(row, upper=True)}{upper_date}</LI>"
    return f"<li>{_anchor(row)}{date}</li>"


_FILENUM_SCRIPT = '<script>var fileNum = "{}"; if (fileNum != "") {{ document.write(fileNum + "&nbsp;"); }}</script>'


def _li_time_script(row: Row) -> str:
    """SITE.md: ``<span class="time"><script>var fileNum = ""; …</script>2025年12月04日</span>``."""
    script = _FILENUM_SCRIPT.format(row.filenum)
    date = f'<span class="time">{script}{row.date_text}</span>' if row.dated else ""
    if row.style == 1:
        link = _anchor(row, quote="'")
        return f"<li>\n  {link}\n  {date}\n</li>"
    return f"<li>{_anchor(row)}{date}</li>"


def _table_row(row: Row) -> str:
    """The ordos form: a dot, the link in one cell, the date in the next cell."""
    date = row.date_text if row.dated else ""
    if row.style == 1:
        link = _anchor(row, quote="'")
        return (
            "<tr>\n<td width='20'><img src='/images/dot.gif' alt=''></td>\n"
            f"<td align='left'>{link}</td>\n<td align='right'>{date}</td>\n</tr>"
        )
    if row.style == 2:
        return (
            '<TR><TD class="dot"><IMG src="/images/dot.gif" alt=""></TD>'
            f'<TD class="title">{_anchor(row, upper=True)}</TD><TD class="date">{date}</TD></TR>'
        )
    if row.style == 3:
        return (
            '<tr valign="top">\n\t<td class="dot"><img src="/images/dot.gif" alt=""></td>\n'
            f'\t<td class="title">\n\t\t{_anchor(row)}\n\t</td>\n\t<td class="date">\n\t\t{date}\n\t</td>\n</tr>'
        )
    return (
        '<tr><td class="dot"><img src="/images/dot.gif" alt=""></td>'
        f'<td class="title">{_anchor(row)}</td><td class="date">{date}</td></tr>'
    )


def _dl(row: Row) -> str:
    date = f"<dd>{row.date_text}</dd>" if row.dated else ""
    if row.style in (1, 3):
        return f'<dl class="news-item">\n  <dt>{_anchor(row)}</dt>\n  {date}\n</dl>'
    return f'<dl class="news-item"><dt>{_anchor(row)}</dt>{date}</dl>'


# ---------------------------------------------------------------------- scripts


def _script_2021(row: Row) -> str:
    """武汉要闻 in 2021: the link written by script; a string builds ``href="' + url + '"``."""
    date = f"\n<span>{row.date_text}</span>" if row.dated else ""
    return (
        "<li>\n"
        '<script type="text/javascript">\n'
        f'url = "{row.href}";\n'
        f'title = "{row.title}";\n'
        "document.write('<a href=\"' + url + '\" target=\"_blank\" title=\"' + title + '\">' + title + '</a>');\n"
        f"</script>{date}\n"
        "</li>"
    )


def _title_assignments(row: Row) -> list[str]:
    """``var title = …;`` as a 2026 row writes it: the last non-empty value is the title."""
    if row.style == 1:
        return ["", row.title]
    if row.style == 2:
        return [row.title, ""]
    if row.style == 3:
        return [row.title[:10] + "…", row.title]
    return [row.title]


def _script_2026(row: Row) -> str:
    """SITE.md, 市政府文件 2026, in order: ``var url``, ``var title`` (maybe twice), ``var FILENUM``,
    ``document.writeln("<a href="+url+" …>…")``, then the date (and time)."""
    titles = "".join(f'var title = "{title}";\n' for title in _title_assignments(row))
    date = f'document.writeln("{row.date_text}");\n' if row.dated else ""
    end = ";" if row.style % 2 else ""  # SITE.md quotes url and FILENUM without a semicolon
    return (
        "<li>\n<script>\n"
        f'var url = "{row.href}"{end}\n'
        f"{titles}"
        f'var FILENUM = "{row.filenum or NO_FILENUM}"{end}\n'
        'document.writeln("<a href="+url+" target=\'_blank\' title=\'"+title+"\'>"+title+"</a>");\n'
        f"{date}"
        "</script>\n</li>"
    )


def _script_legacy(row: Row) -> str:
    """Older 市政府文件 rows: the link by script, the date by a script inside ``span.time``."""
    date = f'<span class="time"><script>document.writeln("{row.date_text}")</script></span>\n' if row.dated else ""
    return (
        "<li>\n"
        '<script type="text/javascript">\n'
        f'url = "{row.href}";\n'
        f'title = "{row.title}";\n'
        f'var FILENUM= "{row.filenum}";\n'
        "document.writeln(\"<a href='\" + url + \"' target='_blank' title='\" + title + \"'>\" "
        '+ title + "</a>");\n'
        'document.writeln("<span class=\'wh\'>" + FILENUM + "</span>");\n'
        "</script>\n"
        f"{date}"
        "</li>"
    )


def _regulation_rn(row: Row) -> str:
    """``dRN``: （2024年5月1日…公布　自…起施行）, empty without a number."""
    if not row.filenum:
        return ""
    ts, effective = row.ts, row.ts + timedelta(days=30)
    return (
        f"（{ts.year}年{ts.month}月{ts.day}日{row.filenum}公布\u3000"
        f"自{effective.year}年{effective.month}月{effective.day}日起施行）"
    )


def _variables(row: Row) -> str:
    """政府规章: each document in ``var dUrl … dCon`` variables (SITE.md)."""
    return (
        "<li>\n"
        '<script type="text/javascript">\n'
        f"var dUrl = '{row.href}';\n"
        f"var dTitle = '{row.title}';\n"
        f"var dRN = '{_regulation_rn(row)}';\n"
        f"var dFN = '{row.filenum}';\n"
        f"var dCon = '{row.dcon}';\n"
        "showRegulation(dUrl, dTitle, dRN, dFN, dCon);\n"
        "</script>\n"
        "</li>"
    )


def _variables_old(row: Row) -> str:
    """政府规章's older rows: double quotes, the title first, one line."""
    return (
        "<li>\n"
        '<script type="text/javascript">\n'
        f'var dTitle="{row.title}";var dUrl="{row.href}";var dFN="{row.filenum}";'
        f'var dRN="{_regulation_rn(row)}";var dCon="{row.dcon}";\n'
        "showRegulation(dUrl,dTitle,dRN,dFN,dCon);\n"
        "</script>\n"
        "</li>"
    )


_RENDERERS = {
    LIST_LI: _li,
    LIST_LI_TIME_SCRIPT: _li_time_script,
    LIST_TABLE: _table_row,
    LIST_DL: _dl,
    LIST_SCRIPT_2021: _script_2021,
    LIST_SCRIPT_2026: _script_2026,
    LIST_SCRIPT_LEGACY: _script_legacy,
    LIST_VARIABLES: _variables,
    LIST_VARIABLES_OLD: _variables_old,
}
