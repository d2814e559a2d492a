"""Each pipeline driven as a plain function with a real crawler's stats, then the
whole chain through Scrapy's own ItemPipelineManager."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import pkgutil
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.test import get_crawler

from govnews.items import ArchivedArticle, Article
from govnews.pipelines.article_dedup import MarkDuplicateArticlesPipeline
from govnews.pipelines.paragraph_dedup import DedupeParagraphsPipeline
from govnews.pipelines.template_residue import StripTemplateResiduePipeline
from govnews.pipelines.validate import ValidateArticlePipeline, article_schema
from govnews.settings import ITEM_PIPELINES
from govnews.text import article_content_hash
from tests.offline_crawl import build_pipelines

SEED = Path(__file__).parent / "fixtures" / "seed-example.txt"
HOT_LIST = "- {{index+1}}{{item.title}}"


def make_article(**changes: Any) -> Article:
    article = Article(
        url="https://www.wuhan.gov.cn/sy/whyw/202405/t20240526_2401234.shtml",
        site="www.wuhan.gov.cn",
        section="武汉要闻",
        section_path="/sy/whyw/",
        title="全市党员干部下基层实践活动动员部署会召开",
        published_at="2024-05-26T09:30:00+08:00",
        source="长江日报",
        author="张三",
        editor="李四",
        paragraphs=["第一段正文。", "第二段正文。"],
        images=[{"url": "https://www.wuhan.gov.cn/a.jpg", "alt": "会场"}],
        attachments=[{"url": "https://www.wuhan.gov.cn/a.pdf", "name": "通知.pdf"}],
        meta={"ArticleTitle": "全市党员干部下基层实践活动动员部署会召开"},
        document=None,
        crawled_at="2024-05-27T01:02:03Z",
        content_hash=None,
        cleaning={},
    )
    return dataclasses.replace(article, **changes)


def valid_article(**changes: Any) -> Article:
    """An article as it reaches validation: hash and cleaning record set."""
    article = make_article(**changes)
    if "content_hash" not in changes:
        article.content_hash = hash_of(article)
    if "cleaning" not in changes:
        article.cleaning = {"duplicate_paragraphs": 0, "template_placeholders": 0}
    return article


def hash_of(article: Article) -> str:
    return article_content_hash(article.title, article.paragraphs, article.attachments, article.images)


@pytest.fixture
def crawler() -> Crawler:
    return get_crawler()


def stats_of(crawler: Crawler, prefix: str) -> dict[str, Any]:
    return {k: v for k, v in crawler.stats.get_stats().items() if k.startswith(prefix)}


# --- StripTemplateResiduePipeline ---------------------------------------------------


def test_template_residue_cleans_every_text_field(crawler: Crawler) -> None:
    pipeline = StripTemplateResiduePipeline.from_crawler(crawler)
    images = [{"url": "https://x/a.jpg", "alt": "{{ img.alt }}"}, {"url": "https://x/b.jpg", "alt": "会场"}]
    item = make_article(
        title="{{ article.title }}会议召开",
        source="来源：<%= source %>",
        author="${author}",
        editor="{% editor %}王五",
        paragraphs=["正文{{ d.count }}。", "", "一周热门", HOT_LIST, HOT_LIST],
        images=images,
        attachments=[{"url": "https://x/a.pdf", "name": "{{file.name}}"}],
    )

    result = pipeline.process_item(item)

    assert result is item
    assert item.title == "会议召开"
    assert item.source == "来源："
    assert item.author is None  # emptied: never an empty string where None means "not given"
    assert item.editor == "王五"
    assert item.paragraphs == ["正文。"]
    assert item.images == [{"url": "https://x/a.jpg", "alt": None}, {"url": "https://x/b.jpg", "alt": "会场"}]
    assert images[0]["alt"] == "{{ img.alt }}"  # records are copied, not changed in place
    assert item.attachments == [{"url": "https://x/a.pdf", "name": ""}]
    assert item.cleaning == {"duplicate_paragraphs": 0, "template_placeholders": 11}
    assert stats_of(crawler, "govnews/template_residue") == {
        "govnews/template_residue/placeholders_removed": 11,
        "govnews/template_residue/paragraphs_dropped": 4,
        "govnews/template_residue/items_changed": 1,
    }


def test_template_residue_leaves_clean_item_alone(crawler: Crawler) -> None:
    pipeline = StripTemplateResiduePipeline.from_crawler(crawler)
    item = make_article(paragraphs=["集合{1,2,3}。", "【责任编辑】", "（一）", "增长5%"])
    before = dataclasses.replace(item)

    pipeline.process_item(item)

    assert dataclasses.replace(item, cleaning={}) == before
    assert item.cleaning == {"duplicate_paragraphs": 0, "template_placeholders": 0}
    assert stats_of(crawler, "govnews/template_residue") == {}


def test_template_residue_keeps_item_with_nothing_left_for_validation(crawler: Crawler) -> None:
    pipeline = StripTemplateResiduePipeline.from_crawler(crawler)
    item = make_article(title="{{title}}", paragraphs=["{{content}}"])
    pipeline.process_item(item)
    assert (item.title, item.paragraphs) == ("", [])


def test_template_residue_accepts_dicts(crawler: Crawler) -> None:
    pipeline = StripTemplateResiduePipeline.from_crawler(crawler)
    item = {"title": "标题{{x}}", "paragraphs": ["正文。", "{{y}}"]}
    assert pipeline.process_item(item) == {
        "title": "标题",
        "paragraphs": ["正文。"],
        "cleaning": {"duplicate_paragraphs": 0, "template_placeholders": 2},
    }


# --- DedupeParagraphsPipeline -------------------------------------------------------


def test_paragraph_dedup_drops_repeats_and_title_and_sets_hash(crawler: Crawler) -> None:
    pipeline = DedupeParagraphsPipeline.from_crawler(crawler)
    item = make_article(
        title="会议召开",
        paragraphs=["会议 召开", "第一段，正文。", "第二段。", "第一段,正文。", "第二段。"],
        cleaning={"duplicate_paragraphs": 0, "template_placeholders": 3},
    )

    pipeline.process_item(item)

    assert item.paragraphs == ["第一段，正文。", "第二段。"]
    assert item.content_hash == hash_of(make_article(title="会议召开", paragraphs=["第一段，正文。", "第二段。"]))
    assert item.cleaning == {"duplicate_paragraphs": 3, "template_placeholders": 3}
    assert stats_of(crawler, "govnews/paragraph_dedup") == {
        "govnews/paragraph_dedup/duplicates_removed": 3,
        "govnews/paragraph_dedup/items_changed": 1,
    }


def test_paragraph_dedup_without_duplicates(crawler: Crawler) -> None:
    pipeline = DedupeParagraphsPipeline.from_crawler(crawler)
    item = make_article()
    paragraphs = list(item.paragraphs)

    pipeline.process_item(item)

    assert item.paragraphs == paragraphs
    assert item.content_hash == hash_of(make_article())
    assert item.cleaning == {"duplicate_paragraphs": 0, "template_placeholders": 0}
    assert stats_of(crawler, "govnews/paragraph_dedup") == {}


def test_paragraph_dedup_shares_nothing_between_items(crawler: Crawler) -> None:
    pipeline = DedupeParagraphsPipeline.from_crawler(crawler)
    first, second = make_article(), make_article()
    pipeline.process_item(first)
    pipeline.process_item(second)
    assert first.paragraphs == second.paragraphs == ["第一段正文。", "第二段正文。"]


# --- MarkDuplicateArticlesPipeline --------------------------------------------------


def test_article_dedup_same_url(crawler: Crawler) -> None:
    pipeline = MarkDuplicateArticlesPipeline.from_crawler(crawler)
    first = valid_article()
    assert pipeline.process_item(first) is first
    assert first.duplicate_of is None

    again = valid_article(paragraphs=["改过的正文。"])
    with pytest.raises(DropItem, match=r"already exported") as excinfo:
        pipeline.process_item(again)

    assert first.url in str(excinfo.value)
    assert excinfo.value.log_level == "INFO"
    assert stats_of(crawler, "govnews/article_dedup") == {"govnews/article_dedup/dropped_same_url": 1}


def test_a_repost_under_another_url_is_exported_and_names_the_first_copy(crawler: Crawler) -> None:
    dedupe = DedupeParagraphsPipeline.from_crawler(crawler)
    pipeline = MarkDuplicateArticlesPipeline.from_crawler(crawler)
    first = pipeline.process_item(dedupe.process_item(make_article(paragraphs=["第一段，正文。", "第二段（二）。"])))
    assert first.duplicate_of is None

    # A second column's copy: another URL, half-width punctuation, odd spacing, the same
    # attachment file linked from the other column's folder.
    copy = dedupe.process_item(
        make_article(
            url="https://www.wuhan.gov.cn/zwgk/tzgg/202405/t20240526_2401299.shtml",
            paragraphs=["第一段,正文。", "第二段 (二)。"],
            attachments=[{"url": "https://www.wuhan.gov.cn/zwgk/tzgg/202405/a.pdf", "name": "通知.pdf"}],
        )
    )
    assert pipeline.process_item(copy) is copy
    assert copy.duplicate_of == first.url
    assert stats_of(crawler, "govnews/article_dedup") == {"govnews/article_dedup/marked_duplicate_of": 1}


@pytest.mark.parametrize(
    "other",
    [
        {"title": "另一份通知"},
        {"attachments": [{"url": "https://www.wuhan.gov.cn/b.pdf", "name": "另一个附件.pdf"}]},
    ],
)
def test_notices_that_differ_only_by_title_or_attachment_are_not_duplicates(
    crawler: Crawler, other: dict[str, Any]
) -> None:
    """Two 通知公告 whose whole body is 详见附件。 are two notices."""
    dedupe = DedupeParagraphsPipeline.from_crawler(crawler)
    pipeline = MarkDuplicateArticlesPipeline.from_crawler(crawler)
    first = pipeline.process_item(dedupe.process_item(make_article(paragraphs=["详见附件。"])))
    second = dedupe.process_item(
        make_article(url="https://www.wuhan.gov.cn/2.shtml", paragraphs=["详见附件。"], **other)
    )
    assert pipeline.process_item(second) is second
    assert first.duplicate_of is None and second.duplicate_of is None


def test_article_dedup_state_is_per_crawl() -> None:
    first_crawl = MarkDuplicateArticlesPipeline.from_crawler(get_crawler())
    second_crawl = MarkDuplicateArticlesPipeline.from_crawler(get_crawler())
    first_crawl.process_item(valid_article())
    second = valid_article()
    second_crawl.process_item(second)  # not a duplicate: another crawl, no store
    assert second.duplicate_of is None


# --- ValidateArticlePipeline --------------------------------------------------------


def test_schema_ships_in_the_package_and_is_valid() -> None:
    data = pkgutil.get_data("govnews", "schema/article.schema.json")
    assert data is not None
    schema = json.loads(data)
    Draft202012Validator.check_schema(schema)
    assert schema == article_schema()
    fields = [f.name for f in dataclasses.fields(Article)]
    # An archiving crawl's items (ArchivedArticle) add archive, optional: absent otherwise.
    assert list(schema["properties"]) == [f.name for f in dataclasses.fields(ArchivedArticle)]
    assert schema["required"] == fields


def test_validate_passes_a_good_article(crawler: Crawler) -> None:
    pipeline = ValidateArticlePipeline.from_crawler(crawler)
    item = valid_article()
    assert pipeline.process_item(item) is item
    assert pipeline.process_item(valid_dict(published_at="2024-05-26", source=None, revision=2)) is not None
    assert stats_of(crawler, "govnews/validate") == {"govnews/validate/passed": 2}


def without(field: str) -> dict[str, Any]:
    item = dataclasses.asdict(valid_article())
    del item[field]
    return item


def valid_dict(**changes: Any) -> dict[str, Any]:
    return {**dataclasses.asdict(valid_article()), **changes}


@pytest.mark.parametrize(
    ("item", "field", "reason"),
    [
        (without("title"), "title", r"\$: 'title' is a required property"),
        (valid_dict(title=""), "title", r"\$\.title: '' should be non-empty"),
        (valid_dict(title="\u3000 "), "title", r"\$\.title: '.+' does not match '\\\\S'"),
        (
            valid_dict(paragraphs=[], images=[], attachments=[]),
            "body",
            r"\$: paragraphs, images and attachments are all empty",
        ),
        (valid_dict(paragraphs=["正文", " "]), "paragraphs", r"\$\.paragraphs\[1\]: ' ' does not match"),
        (valid_dict(published_at="2024-13-01"), "published_at", r"\$\.published_at: '2024-13-01' does not match"),
        (valid_dict(published_at="2024/05/26"), "published_at", r"\$\.published_at"),
        (valid_dict(published_at="2024-05-26 09:30"), "published_at", r"\$\.published_at"),
        (valid_dict(published_at=None), "published_at", r"\$\.published_at: None is not of type 'string'"),
        (valid_dict(crawled_at="2024-05-27T01:02:03+08:00"), "crawled_at", r"\$\.crawled_at"),
        (valid_dict(url="www.wuhan.gov.cn/a.shtml"), "url", r"\$\.url"),
        (valid_dict(section_path="sy/whyw"), "section_path", r"\$\.section_path"),
        (valid_dict(content_hash=None), "content_hash", r"\$\.content_hash"),
        (
            valid_dict(cleaning={"duplicate_paragraphs": 1}),
            "cleaning",
            r"\$\.cleaning: 'template_placeholders' is a required",
        ),
        (valid_dict(meta={"k": 1}), "meta", r"\$\.meta\.k: 1 is not of type 'string'"),
        (valid_dict(images=[{"url": "https://x/a.jpg"}]), "images", r"\$\.images\[0\]: 'alt' is a required"),
        (valid_dict(revision=0), "revision", r"\$\.revision: 0 is less than the minimum of 1"),
        (valid_dict(body="…"), "item", r"\$: Additional properties are not allowed \('body' was unexpected\)"),
    ],
)
def test_validate_drops_with_the_schema_error(crawler: Crawler, item: dict[str, Any], field: str, reason: str) -> None:
    pipeline = ValidateArticlePipeline.from_crawler(crawler)
    with pytest.raises(DropItem, match=r"^invalid article: " + reason) as excinfo:
        pipeline.process_item(item)
    assert excinfo.value.log_level is None  # the default WARNING: a broken item is news
    assert stats_of(crawler, "govnews/validate") == {
        "govnews/validate/dropped": 1,
        f"govnews/validate/dropped/{field}": 1,
    }


def test_validate_shortens_a_long_reason(crawler: Crawler) -> None:
    pipeline = ValidateArticlePipeline.from_crawler(crawler)
    with pytest.raises(DropItem) as excinfo:
        pipeline.process_item(valid_dict(paragraphs="长" * 10_000))
    assert len(str(excinfo.value)) < 400


# --- the whole chain ----------------------------------------------------------------


def seed_article(**changes: Any) -> Article:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    return make_article(title=lines[0], paragraphs=lines, **changes)


def chain(crawler: Crawler) -> list[Any]:
    """The pipelines as Scrapy builds them from ITEM_PIPELINES, in order (the attachments'
    off: ``NotConfigured``)."""
    return build_pipelines(crawler)


def run_chain(pipelines: list[Any], item: Any) -> Any:
    for pipeline in pipelines:
        item = pipeline.process_item(item)
    return item


def test_pipeline_order() -> None:
    assert [path.rsplit(".", 1)[1] for path in sorted(ITEM_PIPELINES, key=ITEM_PIPELINES.__getitem__)] == [
        "StripControlCharactersPipeline",
        "StripTemplateResiduePipeline",
        "DedupeParagraphsPipeline",
        "ValidateArticlePipeline",
        "MarkDuplicateArticlesPipeline",
        "IncrementalStatePipeline",
        "AttachmentFilesPipeline",
    ]


def test_chain_on_the_seed(crawler: Crawler) -> None:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    pipelines = chain(crawler)

    item = run_chain(pipelines, seed_article())

    assert item.paragraphs == lines[1:7]
    assert item.cleaning == {"duplicate_paragraphs": 6, "template_placeholders": 2}
    assert item.content_hash == hash_of(make_article(title=lines[0], paragraphs=lines[1:7]))
    assert not any("{" in p or "一周热门" in p for p in item.paragraphs)
    with pytest.raises(DropItem, match="already exported"):
        run_chain(pipelines, seed_article())
    assert crawler.stats.get_stats() == {
        "govnews/template_residue/placeholders_removed": 4,
        "govnews/template_residue/paragraphs_dropped": 4,
        "govnews/template_residue/items_changed": 2,
        "govnews/paragraph_dedup/duplicates_removed": 12,
        "govnews/paragraph_dedup/items_changed": 2,
        "govnews/validate/passed": 2,
        "govnews/article_dedup/dropped_same_url": 1,
    }


def test_chain_drops_an_emptied_article_as_invalid_not_as_duplicate(crawler: Crawler) -> None:
    pipelines = chain(crawler)
    for n in (1, 2):
        with pytest.raises(DropItem, match=r"invalid article: \$: paragraphs, images and attachments are all empty"):
            run_chain(
                pipelines,
                make_article(
                    url=f"https://www.wuhan.gov.cn/{n}.shtml", paragraphs=[HOT_LIST], images=[], attachments=[]
                ),
            )
    assert crawler.stats.get_value("govnews/validate/dropped/body") == 2


def test_chain_keeps_an_article_of_images_or_attachments_only(crawler: Crawler) -> None:
    pipelines = chain(crawler)
    image_only = run_chain(pipelines, make_article(paragraphs=[], attachments=[]))
    files_only = run_chain(pipelines, make_article(url="https://www.wuhan.gov.cn/2.shtml", paragraphs=[], images=[]))
    assert image_only.paragraphs == files_only.paragraphs == []
    assert crawler.stats.get_value("govnews/validate/passed") == 2


def test_chain_through_scrapys_pipeline_manager() -> None:
    crawler = get_crawler(settings_dict={"ITEM_PIPELINES": ITEM_PIPELINES})
    manager = ItemPipelineManager.from_crawler(crawler)

    async def process_twice() -> tuple[Any, Any]:
        first = await manager.process_item_async(seed_article())
        repost = await manager.process_item_async(seed_article(url="https://www.wuhan.gov.cn/other.shtml"))
        return first, repost

    first, repost = asyncio.run(process_twice())

    assert len(first.paragraphs) == 6 and first.duplicate_of is None
    assert repost.paragraphs == first.paragraphs
    assert repost.duplicate_of == first.url
    assert crawler.stats.get_value("govnews/article_dedup/marked_duplicate_of") == 1
