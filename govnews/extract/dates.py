"""Dates as Chinese government pages write them, read into ISO 8601 Beijing time.

>>> parse_datetime("2022-05-27 08:05")
'2022-05-27T08:05:00+08:00'
>>> parse_datetime("2022年05月27日")
'2022-05-27'
>>> parse_datetime("发布时间：2022/5/7 8:05:09")
'2022-05-07T08:05:09+08:00'
>>> parse_datetime("2022-13-40") is None
True
>>> date_from_article_path("/sy/whyw/202205/t20220527_1979424.shtml")
'2022-05-27'
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

_DATETIME_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?:T|\s)?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)
_URL_DATE_RE = re.compile(r"/t((?:19|20)\d{6})_\d+")


def parse_datetime(text: str | None) -> str | None:
    """The first valid date (and time, when given) in ``text``, as ISO 8601 with
    ``+08:00``, or a bare ``YYYY-MM-DD`` when no time is written; None when there is none."""
    if not text:
        return None
    for match in _DATETIME_RE.finditer(text):
        try:
            day = date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            continue
        if match["H"] is None:
            return day.isoformat()
        try:
            moment = datetime(
                day.year, day.month, day.day, int(match["H"]), int(match["M"]), int(match["S"] or 0), tzinfo=BEIJING
            )
        except ValueError:
            return day.isoformat()
        return moment.isoformat()
    return None


def parse_date(text: str | None) -> str | None:
    """Like :func:`parse_datetime`, the date part only."""
    value = parse_datetime(text)
    return value[:10] if value else None


def date_from_article_path(path: str) -> str | None:
    """The ``tYYYYMMDD`` of an article file name: the publish date, a last resort."""
    match = _URL_DATE_RE.search(path)
    if not match:
        return None
    raw = match.group(1)
    return parse_date(f"{raw[:4]}-{raw[4:6]}-{raw[6:]}")


def choose_published(candidates: list[tuple[str, str]], today: date) -> tuple[str | None, str | None, list[str]]:
    """The first candidate that reads as a date no later than tomorrow (Beijing); when it
    has no time, a later candidate of the same day that has one gives the time (the
    finest stamp shown: a page's 发布日期 2026年02月14日, its list row's 2026-02-14 17:32).

    Returns (ISO value, its source, problems met on the way); a malformed or future date
    is a problem to report, and the next candidate is tried.

    >>> choose_published([("meta", "2099-01-01 08:00"), ("list_row", "2022-05-27")], date(2024, 1, 1))
    ('2022-05-27', 'list_row', ["meta: date in the future '2099-01-01 08:00'"])
    >>> choose_published([("meta", "2022-13-45 25:61")], date(2024, 1, 1))
    (None, None, ["meta: unreadable date '2022-13-45 25:61'"])
    >>> choose_published([("page_text", "2022年05月28日"), ("list_row", "2022-05-28 15:29")], date(2024, 1, 1))
    ('2022-05-28T15:29:00+08:00', 'list_row', [])
    >>> choose_published([("page_text", "2022年05月28日"), ("list_row", "2022-05-27 15:29")], date(2024, 1, 1))
    ('2022-05-28', 'page_text', [])
    """
    problems: list[str] = []
    for index, (source, raw) in enumerate(candidates):
        value = parse_datetime(raw)
        if value is None:
            problems.append(f"{source}: unreadable date {raw!r}")
        elif date.fromisoformat(value[:10]) > today + timedelta(days=1):
            problems.append(f"{source}: date in the future {raw!r}")
        else:
            if len(value) == len("YYYY-MM-DD"):
                for later_source, later_raw in candidates[index + 1 :]:
                    later = parse_datetime(later_raw)
                    if later is not None and len(later) > len(value) and later.startswith(value):
                        return later, later_source, problems
            return value, source, problems
    return None, None, problems


def today_beijing() -> date:
    return datetime.now(BEIJING).date()
