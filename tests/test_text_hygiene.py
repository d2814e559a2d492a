"""StripControlCharactersPipeline driven as a plain function with a real crawler's stats."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from govnews.pipelines.text_hygiene import StripControlCharactersPipeline
from govnews.settings import ITEM_PIPELINES
from tests.profiles import examples

INVISIBLE = [chr(c) for c in range(0x20)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)]
INVISIBLE += ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


def item(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "url": "https://www.wuhan.gov.cn/sy/whyw/202405/t20240526_2401234.shtml",
        "section": "武汉要闻",
        "title": "全市党员干部下基层实践活动动员部署会召开",
        "source": "长江日报",
        "author": "张三",
        "editor": "李四",
        "paragraphs": ["第一段正文。", "第二段正文。"],
        "images": [{"url": "https://www.wuhan.gov.cn/a.jpg", "alt": "会场"}],
        "attachments": [{"url": "https://www.wuhan.gov.cn/a.pdf", "name": "通知.pdf"}],
        "meta": {"ArticleTitle": "全市党员干部下基层实践活动动员部署会召开", "发文字号": "武政规〔2026〕4号"},
    }
    return {**base, **changes}


@pytest.fixture
def crawler() -> Crawler:
    return get_crawler()


def stats_of(crawler: Crawler) -> dict[str, Any]:
    assert crawler.stats is not None
    return {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("govnews/text_hygiene")}


def test_runs_first() -> None:
    assert min(ITEM_PIPELINES, key=ITEM_PIPELINES.__getitem__).endswith(".StripControlCharactersPipeline")
    assert ITEM_PIPELINES["govnews.pipelines.text_hygiene.StripControlCharactersPipeline"] == 50


def test_every_text_field_is_cleaned(crawler: Crawler) -> None:
    pipeline = StripControlCharactersPipeline.from_crawler(crawler)
    images = [{"url": "https://www.wuhan.gov.cn/a.jpg", "alt": "会\u200b场"}, {"url": "https://x/b.jpg", "alt": "\x00"}]
    meta = {"发文\u200b字号": "武政规〔2026〕4号\ufeff", "Keywords\x01": "\x02"}
    result = pipeline.process_item(
        item(
            title="\ufeff全市党员干部\u200b下基层",
            section="武汉\x1b要闻",
            source="长江\x07日报",
            author="\u2060",
            editor="李\x9b四",
            paragraphs=["正文中\x07有\x1b控制\u200b字符", "\u200b\u200b", "第一行\n第二行", "干净的段落。"],
            images=images,
            attachments=[{"url": "https://www.wuhan.gov.cn/a.pdf", "name": "通知\x0c.pdf"}],
            meta=meta,
        )
    )
    assert result["title"] == "全市党员干部下基层"
    assert result["section"] == "武汉要闻"
    assert result["source"] == "长江日报"
    assert result["author"] is None  # emptied: an optional field becomes null
    assert result["editor"] == "李四"
    assert result["paragraphs"] == ["正文中有控制字符", "第一行 第二行", "干净的段落。"]
    assert result["images"] == [
        {"url": "https://www.wuhan.gov.cn/a.jpg", "alt": "会场"},
        {"url": "https://x/b.jpg", "alt": None},
    ]
    assert images[0]["alt"] == "会\u200b场"  # records are copied, never changed in place
    assert result["attachments"] == [{"url": "https://www.wuhan.gov.cn/a.pdf", "name": "通知 .pdf"}]
    assert result["meta"] == {"发文字号": "武政规〔2026〕4号"}  # the emptied value's pair goes
    assert meta == {"发文\u200b字号": "武政规〔2026〕4号\ufeff", "Keywords\x01": "\x02"}
    # title 2, section 1, source 1, author 1, editor 1, paragraphs 3+2+1, alt 1+1,
    # attachment 1, meta key 1 + value 1 + key 1 + value 1
    assert stats_of(crawler) == {
        "govnews/text_hygiene/characters_removed": 19,
        "govnews/text_hygiene/items_changed": 1,
        "govnews/text_hygiene/paragraphs_dropped": 1,
        "govnews/text_hygiene/meta_pairs_dropped": 1,
    }


def test_a_clean_item_is_left_alone(crawler: Crawler) -> None:
    pipeline = StripControlCharactersPipeline.from_crawler(crawler)
    before = item()
    after = pipeline.process_item(item())
    assert after == before
    assert stats_of(crawler) == {}


def test_an_emptied_title_stays_a_string_for_validation_to_drop(crawler: Crawler) -> None:
    pipeline = StripControlCharactersPipeline.from_crawler(crawler)
    result = pipeline.process_item(item(title="\u200b", paragraphs=["\x00"]))
    assert (result["title"], result["paragraphs"]) == ("", [])


dirty_text = st.text(st.sampled_from(INVISIBLE) | st.characters(), max_size=20)


@settings(max_examples=examples(60))
@given(st.lists(dirty_text, max_size=5), dirty_text, st.dictionaries(dirty_text, dirty_text, max_size=3))
def test_no_field_keeps_an_invisible_character_and_a_second_pass_changes_nothing(
    paragraphs: list[str], title: str, meta: dict[str, str]
) -> None:
    crawler = get_crawler()
    pipeline = StripControlCharactersPipeline.from_crawler(crawler)
    result = pipeline.process_item(item(title=title, paragraphs=paragraphs, meta=meta))
    texts = [result["title"], *result["paragraphs"], *result["meta"], *result["meta"].values()]
    assert not any(set(text) & set(INVISIBLE) for text in texts)
    again = pipeline.process_item({**result, "paragraphs": list(result["paragraphs"]), "meta": dict(result["meta"])})
    assert again == result
