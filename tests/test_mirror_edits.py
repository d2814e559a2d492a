"""The mirror edits like a site (issue 29): each move really changes the pages it says it
changes — and nothing else — and records the truth a crawler must report.

Pages are read back from ``MirrorSite.render`` with parsel, in process; expectations are
written from the issue's list of moves (a wording fix is one character, a retitle shows in
the row and on the page, a withdrawn page answers 404, an unlisted one 200 …).
"""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parsel import Selector

from tests.mirror.site import MirrorSite
from tests.profiles import examples

N_ARTICLES = 80


@pytest.fixture
def site() -> MirrorSite:
    return MirrorSite(N_ARTICLES, per_page=5)


def fetch(site: MirrorSite, path: str) -> tuple[int, bytes]:
    response = site.render(path)
    return response.status, response.body


def text_of(body: bytes) -> str:
    """The page's source as text (UTF-8 or GBK, as the mirror writes pages), entities decoded."""
    try:
        source = body.decode("utf-8")
    except UnicodeDecodeError:
        source = body.decode("gbk")
    return source


def page(site: MirrorSite, path: str) -> Selector:
    status, body = fetch(site, path)
    assert status == 200, (path, status)
    return Selector(text=text_of(body))


def squeezed(text: str) -> str:
    """Without whitespace of any kind (pages indent with U+3000 and &nbsp;)."""
    return re.sub(r"[\s\u3000\u00a0\ufeff]+", "", text)


def visible(site: MirrorSite, path: str) -> str:
    """The page's text nodes (scripts and styles left out), joined, without whitespace."""
    selector = page(site, path)
    return squeezed("".join(selector.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall()))


def listed_on(site: MirrorSite, path: str) -> list[str]:
    """The list pages of the article's column whose source names the article's file."""
    column = next(c.path for c in site.columns if path.startswith(c.path))
    name = path.rsplit("/", 1)[1]
    return [p for p in site.list_page_paths(column) if name in text_of(fetch(site, p)[1])]


def first(site: MirrorSite, move: str, column_path: str | None = None) -> str:
    candidates = site.move_candidates(move, column_path, limit=1)
    assert candidates, f"the mirror has no article for {move}"
    return candidates[0]


NO_FILES = {"added": [], "removed": [], "replaced": [], "renamed": []}


# ---------------------------------------------------------------------------- body moves


def test_a_wording_fix_changes_one_character_of_one_paragraph(site: MirrorSite) -> None:
    path = first(site, "edit_wording")
    before = site.expected_article(path)["paragraphs"]
    text_before = visible(site, path)
    site.edit_wording(path)
    after = site.expected_article(path)["paragraphs"]
    change = site.expected_change(path)
    assert change is not None and change["kind"] == "edited"
    assert change["fields"] == {} and change["attachments"] == NO_FILES
    (op,) = change["paragraphs"]
    at = op["at"]
    assert op == {"op": "replace", "at": at, "old": [before[at]], "new": [after[at]]}
    old, new = before[at], after[at]
    assert len(old) == len(new)
    differing = [k for k in range(len(old)) if old[k] != new[k]]
    assert len(differing) == 1, (old, new)
    assert change["wording"] == [{"old": old[differing[0]], "new": new[differing[0]]}]
    assert before[:at] == after[:at] and before[at + 1 :] == after[at + 1 :]
    # The page says it: the new wording is there, the old one is gone.
    text_after = visible(site, path)
    assert squeezed(old) in text_before and squeezed(new) not in text_before
    assert squeezed(new) in text_after and squeezed(old) not in text_after


def test_a_paragraph_added(site: MirrorSite) -> None:
    path = first(site, "add_paragraph")
    before = site.expected_article(path)["paragraphs"]
    site.add_paragraph(path)
    after = site.expected_article(path)["paragraphs"]
    change = site.expected_change(path)
    assert change is not None
    (op,) = change["paragraphs"]
    assert op["op"] == "insert" and op["old"] == [] and len(op["new"]) == 1
    at = op["at"]
    assert after == before[:at] + op["new"] + before[at:]
    text = visible(site, path)
    added = squeezed(op["new"][0])
    assert added in text
    assert text.index(squeezed(before[at - 1])) < text.index(added), "not after the paragraph before it"


def test_a_paragraph_removed(site: MirrorSite) -> None:
    path = first(site, "remove_paragraph")
    before = site.expected_article(path)["paragraphs"]
    assert squeezed(before[-1]) in visible(site, path)
    site.remove_paragraph(path)
    after = site.expected_article(path)["paragraphs"]
    change = site.expected_change(path)
    assert change is not None
    (op,) = change["paragraphs"]
    assert op["op"] == "delete" and op["new"] == [] and len(op["old"]) == 1
    assert after == before[: op["at"]] + before[op["at"] + 1 :]
    assert squeezed(op["old"][0]) not in visible(site, path)


@pytest.mark.parametrize("move", ["edit_wording", "add_paragraph", "remove_paragraph"])
def test_body_moves_on_every_form_keep_truth_and_page_together(move: str) -> None:
    """Every candidate of a small site, one move each: the truth's op turns the old
    paragraphs into the new, and the page shows the new paragraphs (GBK pages, copies of
    the body, tables and the rest of the forms included)."""
    site = MirrorSite(N_ARTICLES, per_page=5)
    candidates = site.move_candidates(move)
    assert len(candidates) >= 20
    for path in candidates:
        before = site.expected_article(path)["paragraphs"]
        getattr(site, move)(path)
        change = site.expected_change(path)
        assert change is not None, path
        (op,) = change["paragraphs"]
        after = before[: op["at"]] + op["new"] + before[op["at"] + len(op["old"]) :]
        assert site.expected_article(path)["paragraphs"] == after, path
        text = visible(site, path)
        for paragraph in op["new"]:
            assert squeezed(paragraph) in text, path


def test_two_paragraph_moves_give_the_lists_not_the_ops(site: MirrorSite) -> None:
    path = first(site, "edit_wording")
    before = site.expected_article(path)["paragraphs"]
    site.edit_wording(path)
    site.add_paragraph(path)
    change = site.expected_change(path)
    assert change is not None
    assert change["paragraphs"] is None
    assert change["paragraphs_old"] == before
    assert change["paragraphs_new"] == site.expected_article(path)["paragraphs"]
    assert len(change["paragraphs_new"]) == len(before) + 1


def test_a_rewrite_by_edit_is_an_edit_with_unknown_ops(site: MirrorSite) -> None:
    path = first(site, "edit_wording")
    site.edit(path)
    change = site.expected_change(path)
    assert change is not None and change["kind"] == "edited" and change["paragraphs"] is None


# ---------------------------------------------------------------------------- title, files, validity


def test_a_retitle_shows_in_the_row_and_on_the_page(site: MirrorSite) -> None:
    path = first(site, "retitle", "/zwgk/tzgg/")
    old = site.expected_article(path)["title"]
    (list_page,) = listed_on(site, path)
    new = site.retitle(path)
    assert new != old and new.endswith(old)
    selector = page(site, path)
    headline = selector.css("h1.article-title::text, div.detail-title h2::text, h2.inside-title::text").get()
    assert headline == new
    assert selector.css("title::text").get().startswith(new)
    assert new in text_of(fetch(site, list_page)[1]).replace("&nbsp;", " ")
    assert site.expected_article(path)["title"] == new
    assert site.expected_change(path) == {
        "kind": "edited",
        "fields": {"title": {"old": old, "new": new}},
        "attachments": NO_FILES,
        "paragraphs": [],
        "paragraphs_old": site.expected_article(path)["paragraphs"],
        "paragraphs_new": site.expected_article(path)["paragraphs"],
        "wording": [],
    }


def test_a_replaced_attachment_serves_new_bytes_at_the_same_url(site: MirrorSite) -> None:
    path = first(site, "replace_attachment")
    article_before = fetch(site, path)[1]
    files = [a["path"] for a in site.expected_article(path)["attachments"]]
    status, old_bytes = fetch(site, files[0])
    assert status == 200
    replaced = site.replace_attachment(path)
    assert replaced == files[0]
    status, new_bytes = fetch(site, replaced)
    assert status == 200 and new_bytes != old_bytes
    assert fetch(site, path)[1] == article_before, "the article page itself does not change"
    assert [a["path"] for a in site.expected_article(path)["attachments"]] == files
    change = site.expected_change(path)
    assert change is not None
    assert change["attachments"] == {"added": [], "removed": [], "replaced": [replaced], "renamed": []}
    assert change["fields"] == {} and change["paragraphs"] == []
    # Replaced again before the crawler looked: still one replaced file, other bytes again.
    site.replace_attachment(path)
    assert fetch(site, replaced)[1] not in (old_bytes, new_bytes)
    assert site.expected_change(path)["attachments"]["replaced"] == [replaced]


def validity_shown(site: MirrorSite, path: str) -> str | None:
    """有效性 as the page shows it: in its header (list items, table rows, lines split by
    ``<br>``) or in a ``<meta>`` tag."""
    selector = page(site, path)
    meta = selector.xpath('//meta[@name="有效性"]/@content').get()
    if meta is not None:
        return meta
    pieces = [squeezed("".join(e.xpath(".//text()").getall())) for e in selector.css("li, th")]
    pieces += [
        squeezed("".join(th.xpath("./text() | following-sibling::td[1]//text()").getall())) for th in selector.css("th")
    ]
    pieces += [squeezed(line) for line in selector.css("div.xxgk-attr::text").getall()]
    values = {p.split("：", 1)[1] for p in pieces if p.startswith("有效性：") and len(p) > len("有效性：")}
    assert len(values) <= 1, values
    return values.pop() if values else None


def test_validity_lapses_in_every_header_form(site: MirrorSite) -> None:
    seen_forms = set()
    for path in site.move_candidates("set_validity"):
        form = site.policy_header_form(path)
        if form in seen_forms:
            continue
        seen_forms.add(form)
        old = site.expected_article(path)["document"]
        assert old is not None
        assert validity_shown(site, path) == old["validity"] != "失效"
        site.set_validity(path, "失效")
        assert validity_shown(site, path) == "失效", form
        change = site.expected_change(path)
        assert change is not None
        expected = {"document.validity": {"old": old["validity"], "new": "失效"}}
        if old["in_force"] is not False:
            expected["document.in_force"] = {"old": old["in_force"], "new": False}
        assert change["fields"] == expected, form
        assert change["paragraphs"] == [] and change["attachments"] == NO_FILES
        with pytest.raises(ValueError, match="already"):
            site.set_validity(path, "失效")
    assert seen_forms == {"sub", "table", "ul", "lines", "meta"}


def test_validity_needs_a_header(site: MirrorSite) -> None:
    news = site.article_paths("/sy/whyw/")[0]
    with pytest.raises(ValueError, match="no policy header"):
        site.set_validity(news)


# ---------------------------------------------------------------------------- lists and pages


def test_withdraw_and_restore(site: MirrorSite) -> None:
    path = first(site, "withdraw", "/zwgk/tzgg/")
    body = fetch(site, path)[1]
    (list_page,) = listed_on(site, path)
    site.withdraw(path)
    assert fetch(site, path)[0] == 404
    assert listed_on(site, path) == []
    assert path not in site.expected_articles()
    assert site.expected_change(path) == {"kind": "withdrawn", "then": None}
    site.checkpoint()
    assert site.expected_change(path) is None
    assert site.move_candidates("restore") == [path]
    site.restore(path)
    assert fetch(site, path) == (200, body)
    assert listed_on(site, path) == [list_page], "back in its place"
    assert path in site.expected_articles()
    assert site.expected_change(path) == {"kind": "restored", "then": None}
    with pytest.raises(ValueError, match="listed"):
        site.restore(path)


def test_withdrawn_and_restored_before_the_crawler_looked_is_no_change(site: MirrorSite) -> None:
    path = first(site, "withdraw")
    site.withdraw(path)
    site.restore(path)
    assert site.expected_change(path) is None


def test_unlist_keeps_the_page(site: MirrorSite) -> None:
    path = first(site, "unlist", "/sy/whyw/")
    body = fetch(site, path)[1]
    assert listed_on(site, path)
    site.unlist(path)
    assert fetch(site, path) == (200, body), "the page still answers, unchanged"
    assert listed_on(site, path) == []
    assert path not in site.article_paths() and path not in site.expected_articles()
    assert site.expected_change(path) == {"kind": "unlisted", "then": None}


def test_an_unlisted_article_edited_then_restored(site: MirrorSite) -> None:
    path = first(site, "retitle", "/zwgk/tzgg/")
    site.unlist(path)
    site.checkpoint()
    title = site.retitle(path)
    site.restore(path)
    change = site.expected_change(path)
    assert change is not None and change["kind"] == "restored"
    then = change["then"]
    assert then is not None and then["kind"] == "edited" and list(then["fields"]) == ["title"]
    assert then["fields"]["title"]["new"] == title


# ---------------------------------------------------------------------------- chrome


def test_a_chrome_change_changes_the_page_but_not_the_article(site: MirrorSite) -> None:
    path = first(site, "chrome_change")
    before = page(site, path)
    truth_before = site.expected_article(path)
    site.chrome_change(path)
    after = page(site, path)
    assert fetch(site, path)[1] != before.get().encode()
    counter = after.css("span.views #hits::text").get()
    assert counter is not None and counter.isdigit()
    assert re.fullmatch(r"更新日期：\d{4}年\d{2}月\d{2}日", after.css("div.footer p.updated::text").get() or "")
    assert after.css("#zoom").get() == before.css("#zoom").get(), "the body is the same"
    site.chrome_change(path)
    assert page(site, path).css("span.views #hits::text").get() != counter, "another number"
    assert site.expected_article(path) == truth_before
    assert site.expected_change(path) is None


# ---------------------------------------------------------------------------- bookkeeping


def test_no_move_no_change_and_a_checkpoint_forgets(site: MirrorSite) -> None:
    path = first(site, "retitle")
    assert site.expected_change(path) is None
    site.retitle(path)
    assert list(site.expected_changes()) == [path]
    site.checkpoint()
    assert site.expected_change(path) is None and site.expected_changes() == {}
    with pytest.raises(KeyError):
        site.expected_change("/sy/whyw/202205/t20220527_1.shtml")


def test_an_edited_repost_is_no_longer_a_duplicate() -> None:
    site = MirrorSite(N_ARTICLES, per_page=5)
    ((original, copy),) = site.repost_pairs()
    site.retitle(copy)
    assert site.repost_pairs() == []
    assert site.expected_article(original)["duplicate_pair"] is None


def test_the_old_moves_still_work_as_before(site: MirrorSite) -> None:
    """publish, edit and withdraw keep their behaviour (other tests rely on it)."""
    newest = site.article_paths("/sy/whyw/")[0]
    (fresh,) = site.publish(1, "/sy/whyw/")
    assert site.article_paths("/sy/whyw/")[:2] == [fresh, newest]
    before = site.expected_article(newest)["paragraphs"]
    site.edit(newest)
    after = site.expected_article(newest)["paragraphs"]
    assert after != before and after[-1].startswith("（本文于")
    site.withdraw(fresh)
    assert fetch(site, fresh)[0] == 404 and site.article_paths("/sy/whyw/")[0] == newest


def test_unknown_move_names_are_refused(site: MirrorSite) -> None:
    with pytest.raises(ValueError, match="move must be one of"):
        site.move_candidates("rename")
    assert html.unescape("&amp;") == "&"  # the page reader's entity decoding is the stdlib's


# ---------------------------------------------------------------------------- sequences of moves

CONTENT_MOVES = ("edit_wording", "add_paragraph", "retitle", "set_validity", "chrome_change")


def comparable(truth: dict[str, object]) -> dict[str, object]:
    return {key: truth[key] for key in ("title", "paragraphs", "document", "attachments", "images")}


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_sequence_of_moves_keeps_pages_lists_and_truth_together(data: st.DataObject) -> None:
    """Moves on a few articles of one column, checkpoints between them: each page answers
    as its state says (404 withdrawn, 200 else), its row is listed exactly when it is, and
    ``expected_change`` names the kind a state change calls for, or an edit exactly when the
    article's truth changed since the checkpoint."""
    site = MirrorSite(30, per_page=3, seed=data.draw(st.integers(0, 5), label="seed"))
    paths = site.article_paths("/zwgk/xxgk/zfwj/szfwj/")[:4]
    state = dict.fromkeys(paths, "listed")
    at_checkpoint = {p: (state[p], comparable(site.expected_article(p))) for p in paths}
    for _ in range(data.draw(st.integers(1, 8), label="steps")):
        path = data.draw(st.sampled_from(paths), label="article")
        if data.draw(st.booleans(), label="checkpoint"):
            site.checkpoint()
            # A withdrawn article's truth is what it was when last seen (a crawler diffs against it).
            at_checkpoint = {
                p: (state[p], comparable(site.expected_article(p)) if state[p] != "withdrawn" else at_checkpoint[p][1])
                for p in paths
            }
        if state[path] == "withdrawn":
            moves = ["restore"]
        elif state[path] == "unlisted":
            moves = ["restore", "withdraw", "retitle", "chrome_change"]
        else:
            moves = ["withdraw", "unlist", *(m for m in CONTENT_MOVES if path in site.move_candidates(m))]
        move = data.draw(st.sampled_from(moves), label="move")
        getattr(site, move)(path)
        state[path] = {"withdraw": "withdrawn", "unlist": "unlisted", "restore": "listed"}.get(move, state[path])
        for p in paths:
            assert fetch(site, p)[0] == (404 if state[p] == "withdrawn" else 200), p
            assert bool(listed_on(site, p)) == (state[p] == "listed"), p
            before_state, before_truth = at_checkpoint[p]
            change = site.expected_change(p)
            now = comparable(site.expected_article(p)) if state[p] != "withdrawn" else None
            edited = before_truth is not None and now is not None and now != before_truth
            if before_state != "withdrawn" and state[p] == "withdrawn":
                assert change == {"kind": "withdrawn", "then": None}
            elif before_state == "listed" and state[p] == "unlisted":
                assert change is not None and change["kind"] == "unlisted"
                assert (change["then"] is not None) == edited
            elif before_state != "listed" and state[p] == "listed":
                assert change is not None and change["kind"] == "restored"
                assert (change["then"] is not None) == edited
            elif edited:
                assert change is not None and change["kind"] == "edited", (p, change)
            else:
                assert change is None, (p, change)
