"""Articles per second through all the item pipelines, on one core.

By default the articles are the mirror's (``tests/mirror``): each generated article
page is rendered and read by the spider's own callback (not timed), as the crawl would
hand it to the pipelines — bodies printed twice, hot-list widgets, template residue and
all. ``--source synthetic`` builds articles in process instead (10-20 paragraphs each;
some repeated in half-width punctuation, some with template widgets, a few repeated
articles). Either way they run through the pipelines of ``ITEM_PIPELINES`` of
``govnews.settings``, in order, with a real crawler's stats. Not a test: run it by hand.

    python benchmarks/bench_pipelines.py [--source mirror|synthetic] [--articles 20000] [--seed 1]

Target: at least 2,000 articles/s.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scrapy import Request
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler

from govnews.items import Article
from govnews.settings import ITEM_PIPELINES
from govnews.sites.wuhan import COLUMNS
from govnews.spiders.wuhan import WuhanSpider
from tests.mirror.site import MirrorSite

TARGET = 2_000

# Clauses in the register of the site's news, to draw sentences from.
CLAUSES = (
    "全市党员干部下基层察民情解民忧暖民心实践活动动员部署会议召开",
    "湖北省委常委、武汉市委书记出席会议并强调",
    "要坚持以人民为中心的发展思想",
    "巩固“我为群众办实事”实践活动成果",
    "推动党史学习教育常态化长效化",
    "市人大常委会主任、市政协主席出席会议",
    "各级各部门要各负其责、形成合力",
    "确保实践活动走深走实、取得实效",
    "深入基层一线发现矛盾问题、化解矛盾纠纷",
    "努力保持平稳健康的经济环境、国泰民安的社会环境",
    "以优异成绩迎接党的二十大胜利召开",
    "压实各级党委(党组)主体责任",
    "聚焦群众急难愁盼问题",
    "市委直属机关工委、市发改委、市民政局负责同志作表态发言",
    "2024年5月26日上午",
    "全市共有1.2万名党员干部参加",
)
WIDGETS = (
    ["一周热门", "- {{index+1}}{{item.title}}", "- {{index+1}}{{item.title}}"],
    ["相关阅读：", "{{# layui.each(d.list, function(i, item){ }}", "{{ item.title }}", "{{# }); }}"],
    ["浏览次数：{{ d.count }}"],
    ["<%= shareText %>"],
)


def sentence(rng: random.Random) -> str:
    parts = rng.sample(CLAUSES, rng.randint(2, 6))
    return "，".join(parts) + "。"


def make_articles(n: int, seed: int) -> list[Article]:
    rng = random.Random(seed)
    articles: list[Article] = []
    for i in range(n):
        if articles and rng.random() < 0.02:
            # the same article again (another column lists it, or the 3g mirror)
            articles.append(dataclasses.replace(rng.choice(articles), cleaning={}))
            continue
        title = f"{rng.choice(CLAUSES)}（第{i}期）"
        body = [
            f"{sentence(rng)}{sentence(rng)[: rng.randint(10, 120)]}第{i}号{k}。" for k in range(rng.randint(10, 20))
        ]
        paragraphs = [title, *body] if rng.random() < 0.3 else list(body)
        if rng.random() < 0.25:
            # a bad scrape: part of the body again, with half-width punctuation
            start = rng.randrange(len(body))
            paragraphs += [p.replace("，", ",").replace("（", "(").replace("）", ")") for p in body[start:]]
        if rng.random() < 0.3:
            paragraphs += rng.choice(WIDGETS)
        articles.append(
            Article(
                url=f"https://www.wuhan.gov.cn/sy/whyw/202405/t20240526_{2_400_000 + i}.shtml",
                site="www.wuhan.gov.cn",
                section="武汉要闻",
                section_path="/sy/whyw/",
                title=title,
                published_at="2024-05-26T09:30:00+08:00",
                source="长江日报" if rng.random() < 0.7 else None,
                author=None,
                editor="{{ editor }}" if rng.random() < 0.05 else "李四",
                paragraphs=paragraphs,
                images=[
                    {"url": f"https://www.wuhan.gov.cn/img/{i}-{k}.jpg", "alt": None} for k in range(rng.randint(0, 3))
                ],
                attachments=[],
                meta={"ArticleTitle": title, "PubDate": "2024-05-26 09:30"},
                crawled_at="2024-05-27T01:02:03Z",
            )
        )
    return articles


def mirror_articles(n: int, seed: int) -> list[Article]:
    """The mirror's article pages, turned into items by the spider's own callback."""
    site = MirrorSite(n_articles=n, per_page=20, seed=seed)
    base_url = "http://127.0.0.1:8000"  # never requested: responses are built from the site
    sections = ",".join(column.path for column in COLUMNS)
    spider = WuhanSpider.from_crawler(get_crawler(WuhanSpider), base_url=base_url, sections=sections, incremental="0")
    articles: list[Article] = []
    for path in site.article_paths():
        rendered = site.render(path)
        if rendered.status != 200:
            continue
        request = Request(base_url + path)
        response = HtmlResponse(request.url, body=rendered.body, headers=rendered.headers, request=request)
        # A multi-page article yields a request for its next page instead: left out.
        articles += [item for item in spider.parse_article(response, row=None) if isinstance(item, Article)]
    return articles


def run(articles: list[Article]) -> tuple[float, float, dict[str, Any]]:
    crawler = get_crawler()
    paths = sorted(ITEM_PIPELINES, key=ITEM_PIPELINES.__getitem__)
    pipelines = [build_from_crawler(load_object(path), crawler) for path in paths]
    process = [pipeline.process_item for pipeline in pipelines]
    wall, cpu = time.perf_counter(), time.process_time()
    for article in articles:
        item: Any = article
        try:
            for step in process:
                item = step(item)
        except DropItem:
            pass
    return time.perf_counter() - wall, time.process_time() - cpu, crawler.stats.get_stats()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", choices=("mirror", "synthetic"), default="mirror", help="default: mirror")
    parser.add_argument("--articles", type=int, default=20_000, help="how many articles (default 20000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generated articles")
    args = parser.parse_args()
    if args.articles < 1:
        parser.error("--articles must be at least 1")

    if args.source == "mirror":
        started = time.perf_counter()
        articles = mirror_articles(args.articles, args.seed)
        print(f"extracted {len(articles)} mirror articles in {time.perf_counter() - started:.1f} s (not timed)")
    else:
        articles = make_articles(args.articles, args.seed)
    paragraphs = sum(len(a.paragraphs) for a in articles)
    wall, cpu, stats = run(articles)

    rate = len(articles) / wall
    print(f"{len(articles)} articles, {paragraphs} paragraphs in")
    for key, value in sorted(stats.items()):
        if key.startswith("govnews/"):
            print(f"  {key}: {value}")
    print(f"{wall:.2f} s wall, {cpu:.2f} s CPU")
    print(f"{rate:,.0f} articles/s (target {TARGET:,})")
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
