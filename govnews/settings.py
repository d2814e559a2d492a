"""Settings for govnews: only where they differ from Scrapy's defaults, each with its reason.

Defaults are polite to the real site. Tests and benchmarks lift the limits with ``-s``
(or ``Crawler`` settings), never by editing this file.
"""

from __future__ import annotations

from govnews import __version__

BOT_NAME = "govnews"
# INFO, not Scrapy's DEBUG: a line per request is noise to an operator (-L DEBUG brings it back).
LOG_LEVEL = "INFO"
SPIDER_MODULES = ["govnews.crawl.spiders"]
NEWSPIDER_MODULE = "govnews.crawl.spiders"
# Our `crawl` validates spider arguments before the reactor starts.
COMMANDS_MODULE = "govnews.ops.commands"
ADDONS: dict[str, int] = {}

# -- Politeness --------------------------------------------------------------
# An honest User-Agent naming the project, so the site's operators know who calls.
# Deployments should add a contact: -s USER_AGENT="govnews/<version> (+mailto:you@example.org)".
USER_AGENT = f"govnews/{__version__} (research crawler of public government news; Scrapy)"
ROBOTSTXT_OBEY = True
# One request at a time per host, a delay between them, and AutoThrottle to back off
# when the site slows down.
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1
# The delay is also a floor between two requests to a host as they leave (govnews.crawl.politeness):
# Scrapy's own spacing is drawn between 0.5 and 1.5 times the delay, and taken before the
# request goes out.
DOWNLOAD_HANDLERS = {
    "http": "govnews.crawl.politeness.SpacedHTTPDownloadHandler",
    "https": "govnews.crawl.politeness.SpacedHTTPDownloadHandler",
}
# Every host of the family is one TRS instance (Site.backend): on top of each host's floor,
# the requests to all hosts of a backend together leave DOWNLOAD_DELAY / this apart, in one
# process and, with REDIS_URL, across the cluster. 2: the backend is asked at most twice as
# fast as one host, however many sites run at once; 0 turns the budget off.
GOVNEWS_BACKEND_BUDGET = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# A government page that takes longer than this is not coming; the retry gets another chance.
DOWNLOAD_TIMEOUT = 30
# Pages of this site are well under 2 MB; 16 MB is generous (Scrapy's default is 1 GB).
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# Cookies are not needed to read public pages.
COOKIES_ENABLED = False
# A redirect chain longer than this is a loop (Scrapy's default allows 20 hops).
REDIRECT_MAX_TIMES = 5

# -- Hostile web -----------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # First: a run whose lease on its site ended (a paused worker) makes no request at all.
    "govnews.crawl.fence.LeaseFenceMiddleware": 40,
    # Before robots.txt (100): a host outside the crawl is refused before anything is
    # asked of it, redirects included.
    "govnews.crawl.allowed_hosts.AllowedHostsMiddleware": 50,
    # Close to the download (after retries, 550): every blocked answer is seen and counted.
    "govnews.crawl.blocked.BackOffWhenBlockedMiddleware": 560,
    # Beside the download handler, past every middleware Scrapy enables (850 at most): the
    # request as it leaves, the response as it arrived (before decompression at 590 and
    # redirects at 600). The writer acts with archive=1, the replay with from_archive only.
    "govnews.archive.middleware.ArchiveMiddleware": 950,
    "govnews.archive.middleware.ReplayMiddleware": 960,
}
# Answers that mean "blocked" (412: JavaScript cookie challenge of sister Hubei sites;
# 429: too many requests): counted, backed off from, never retried.
GOVNEWS_BLOCKED_STATUSES = [412, 429]
# Consecutive blocked answers after which the crawl stops (reason "blocked").
GOVNEWS_BLOCKED_MAX = 20

# -- Crawl shape ---------------------------------------------------------------
# A sane cap on list pages per column, whatever a pager claims (max_pages can lower it).
GOVNEWS_MAX_LIST_PAGES = 2000
# A column without a pager ends at a 404 or an empty page only when the page answers the same
# this many seconds later (a blip of the site must not end a walk; docs/incremental.md).
GOVNEWS_END_CONFIRM_PAUSE = 5.0
# Every this many days a run reads every list page of each column (an audit walk), to find
# rows inserted below what walks read (back-dated documents, rows pulled up by a withdrawal);
# 0 turns it off. -a audit=1 asks for one now.
GOVNEWS_AUDIT_DAYS = 7
# Re-checks by age (govnews/store/recheck.py, docs/incremental.md "Edits, withdrawals and
# restores"): after its walks a run asks again, conditionally, at most this many known articles
# (a 304 each when unchanged): 400 is about 7 minutes at the 1 s delay. 0 turns them off.
GOVNEWS_RECHECK_BUDGET = 400
# Due when the time since the last check reaches this share of the article's age (diffengine's
# 0.2: a 10-day-old article is asked again 2 days after its last check) ...
GOVNEWS_RECHECK_RATIO = 0.2
# ... never sooner than this many hours after it (a daily run that starts early still re-checks) ...
GOVNEWS_RECHECK_MIN_HOURS = 20
# ... and always once its own period (between half of this and this, by its URL) has passed:
# with daily runs every article of N is re-checked within this + N / budget days (85 for 10,000).
GOVNEWS_RECHECK_PERIOD_DAYS = 60

# -- Items -----------------------------------------------------------------------
# Run order; docs/pipelines.md describes each. Validation runs before article dedup:
# only an item that will be exported may claim its URL and content hash, so an invalid
# copy can never make a valid one look like a duplicate (and be lost).
ITEM_PIPELINES = {
    # First: every later pipeline compares, hashes and validates text free of control characters.
    "govnews.pipelines.text_hygiene.StripControlCharactersPipeline": 50,
    "govnews.pipelines.template_residue.StripTemplateResiduePipeline": 100,
    "govnews.pipelines.paragraph_dedup.DedupeParagraphsPipeline": 200,
    "govnews.pipelines.validate.ValidateArticlePipeline": 300,
    "govnews.pipelines.article_dedup.MarkDuplicateArticlesPipeline": 400,
    "govnews.pipelines.incremental_state.IncrementalStatePipeline": 500,
    # Last: an article the store knows unchanged is dropped before any file is asked for (a file
    # replaced under its URL is found by the re-checks: docs/incremental.md).
    "govnews.pipelines.attachments.AttachmentFilesPipeline": 600,
}

# -- Attachments (docs/attachments.md) ---------------------------------------------------
# Off by default: -a attachments=1 (or this setting) downloads each exported article's files
# through the crawl's own downloader (robots.txt, the per-host floor, the backend budget,
# retries) and reads their text in worker processes under limits (govnews.documents).
GOVNEWS_ATTACHMENTS = False
# A file larger than this is not downloaded: the download stops there (DOWNLOAD_MAXSIZE of its
# request), reason too_large. Government PDFs and scans run to a few MB; 50 MB is generous.
GOVNEWS_ATTACHMENT_MAX_SIZE = 50 * 1024 * 1024
# Seconds one file may take to read, bytes of address space a reader process may map, and
# how many reader processes run: a hostile file ends as timeout or memory_limit, never a hang.
GOVNEWS_ATTACHMENT_TIME_LIMIT = 30.0
GOVNEWS_ATTACHMENT_MEMORY_LIMIT = 1024 * 1024 * 1024
GOVNEWS_ATTACHMENT_WORKERS = 2
# Characters of a file's text kept (the rest cut at a paragraph, text_truncated): a long
# policy document runs to 100,000 characters, a yearbook to a few hundred thousand; a
# spreadsheet of 20 MB would be 28 MB of text in one JSONL line and the store.
GOVNEWS_ATTACHMENT_MAX_TEXT = 1_000_000
# Scanned pages read by OCR (RapidOCR, the ocr extra): off by default, -a ocr=1 or this
# setting (it implies GOVNEWS_ATTACHMENTS). A page takes 3 to 8 s on one core; one over the
# time limit stays unread. The memory cap is a page's address space, measured at 1.56 GB
# (benchmarks/bench_ocr.py): onnxruntime maps more than it touches.
GOVNEWS_OCR = False
GOVNEWS_OCR_PAGE_TIME_LIMIT = 60.0
GOVNEWS_OCR_MEMORY_LIMIT = 2 * 1024 * 1024 * 1024
# Where the files go: any store Scrapy's FilesPipeline takes (a directory, s3://, gs://,
# ftp://). Empty: <GOVNEWS_OUTPUT_DIR>/<spider>/files/.
FILES_STORE = ""

# -- Archive (docs/archive.md) ------------------------------------------------------------
# Off by default: -a archive=1 (or this setting) writes every request and response of the
# crawl (robots.txt, list and article pages, attachments) as WARC/1.1 under
# <GOVNEWS_OUTPUT_DIR>/<spider>/archive/; -a from_archive=PATH replays one.
GOVNEWS_ARCHIVE = False
# A new WARC file once one reaches this size: 1 GB, the size web archives (Heritrix,
# Browsertrix) use, small enough to copy and check one at a time.
GOVNEWS_ARCHIVE_MAX_FILE_SIZE = 1024 * 1024 * 1024

# -- Feeds -----------------------------------------------------------------------
# One UTF-8 JSONL file per run (Chinese unescaped) under GOVNEWS_OUTPUT_DIR, named
# <spider>-<start time>-<job>.jsonl; `-o`/`-O` on the command line replace this as in
# any Scrapy project. See govnews/feeds/storage.py.
FEED_EXPORT_ENCODING = "utf-8"
# A run that exports nothing leaves no feed file (its line in runs.jsonl is its record).
FEED_STORE_EMPTY = False
# CSV for Excel and WPS: UTF-8 with a BOM, paragraphs one cell with newlines, nested fields
# as JSON (govnews/feeds/exporters.py).
# Atom 1.0 (-o column.atom): an entry per article with its full text, its policy header as
# categories, its files as enclosures, and what changed in it (govnews/feeds/atom.py).
FEED_EXPORTERS = {
    "csv": "govnews.feeds.exporters.SpreadsheetCsvItemExporter",
    "atom": "govnews.feeds.atom.AtomItemExporter",
}
# A feed of whole documents (Atom) appended to (-o) is merged with the one in place and keeps its
# newest entries, this many: a feed readers poll stays small, and holds a few weeks of a column.
GOVNEWS_FEED_MAX_ENTRIES = 200
# The project's feed, used where no feed is asked for (-o/-O, or FEEDS in the settings):
# the spiders add it in update_settings, so -o replaces it as in any Scrapy project.
GOVNEWS_DEFAULT_FEEDS = {
    "%(output_dir)s/%(name)s/%(name)s-%(time)s-%(job)s.jsonl": {"format": "jsonlines", "encoding": "utf-8"},
}
FEED_URI_PARAMS = "govnews.feeds.storage.uri_params"
# Absolute directory for feeds; empty means output/ of the checkout the package runs from,
# else the user's data directory (e.g. an egg under scrapyd); never the working directory.
GOVNEWS_OUTPUT_DIR = ""
# Whole lines only, each in one write: a killed run leaves no half-buffered items.
FEED_STORAGES = {
    "": "govnews.feeds.storage.LineAtomicFileFeedStorage",
    "file": "govnews.feeds.storage.LineAtomicFileFeedStorage",
}

# -- Throughput ---------------------------------------------------------------------
# Scrapy processes a callback's output with this many asyncio workers, started for every
# response (100 by default: 101 tasks for an article page's one item, a tenth of the CPU
# of a fast crawl). The pipelines are synchronous, so one worker is as fast and costs two.
CONCURRENT_ITEMS = 1
# Scrapy reads the source of a generator callback with each response it calls it for, to warn
# of a `return value` in it: its cache is keyed by the bound method, a new object each time, so
# it parses the spider's source again for every page (a tenth of a replay's CPU). The project's
# callbacks return nothing: tests/test_callbacks.py runs Scrapy's check once on each.
WARN_ON_GENERATOR_RETURN_VALUE = False

# -- Incremental state -------------------------------------------------------------
# Absolute directory of the state stores (one SQLite file per site, docs/incremental.md);
# empty means output/state/ of the checkout, else the user's data directory: the same
# rule as for feeds.
GOVNEWS_STATE_DIR = ""

# -- The site family (scrapy crawl family, docs/distributed.md) ------------------------
# Sites one process crawls at once, each at its own polite rate; 0: every site asked for.
# Lower it on workers that share the family through Redis, so that each takes a share.
GOVNEWS_FAMILY_SITES_AT_ONCE = 0
# With REDIS_URL: seconds a worker with nothing left to take waits for sites other runs hold
# (a dead holder's lease lapses within GOVNEWS_REDIS_LOCK_TTL, and the site is crawled
# again); empty means twice the lease. 0: do not wait.
GOVNEWS_FAMILY_WAIT_FOR_LEASES = ""

# -- Health checks ---------------------------------------------------------------------
# End-of-run checks (docs/health.md): a run that exports nothing, or the wrong thing,
# says so: ERROR lines, verdict "failed" in <feed>.summary.json and the stats, exit code 1.
EXTENSIONS = {
    # A process resumed past its lease's deadline sends nothing it had buffered (SIGCONT).
    "govnews.crawl.fence.LeaseFence": 50,
    # Log lines counted per site (log_count/*), not per process: in a family run each site's
    # ERROR check sees its own lines only (govnews/ops/health/logcount.py replaces Scrapy's LogCount).
    "scrapy.extensions.logcount.LogCount": None,
    "govnews.ops.health.logcount.SiteLogCount": 0,
    # Counts exported (and validation-dropped) items and their fields per column.
    "govnews.ops.health.coverage.ColumnCoverage": 100,
    # Runs the monitor suite at spider close; after CoreStats (0), so finish_reason is set.
    "spidermon.contrib.scrapy.extensions.Spidermon": 500,
    # Writes <feed>.summary.json and the closing log block once every feed is stored.
    "govnews.ops.health.summary.HealthSummary": 600,
    # Live lines per column on a terminal, a progress log line a minute elsewhere.
    "govnews.ops.progress.CrawlProgress": 700,
    # The Atom feeds' entries of articles withdrawn, unlisted or restored, once the run committed them.
    "govnews.feeds.atom.AtomStatusEntries": 800,
}
# auto: bars on a terminal, else a log line every GOVNEWS_PROGRESS_INTERVAL seconds.
GOVNEWS_PROGRESS = "auto"
GOVNEWS_PROGRESS_INTERVAL = 60
SPIDERMON_ENABLED = True
# One monitor per check; its action records the verdict in the stats.
SPIDERMON_SPIDER_CLOSE_MONITORS = ["govnews.ops.health.monitors.HealthMonitorSuite"]
# Run-wide checks are spidermon's built-in monitors (govnews/ops/health/monitors.py).
# The run must finish: a cap (closespider_*), a lost store lock or a crash fails it.
SPIDERMON_EXPECTED_FINISH_REASONS = ["finished"]
# Any ERROR line (a list page that failed, a feed that could not be stored) fails the run;
# requests given up after retries are judged by SPIDERMON_MAX_RETRIES, not counted here.
SPIDERMON_MAX_ERRORS = 0
# Share limits are judged at 95% confidence (docs/health.md): 1 dead link in 3 rows passes.
# Share of a column's listed articles whose page failed to download.
GOVNEWS_HEALTH_MAX_FAILED_SHARE = 0.2
# Requests that failed after all their retries: a few are the web, more is an outage.
SPIDERMON_MAX_RETRIES = 5
# Minimum share of items (exported + dropped as invalid) carrying each field, per column;
# "*" applies to every column. 武汉要闻's pages show their 来源 (docs/site.md, "Other fields").
GOVNEWS_HEALTH_FIELD_COVERAGE = {
    "*": {"title": 1.0, "published_at": 1.0, "paragraphs": 0.99},
    "/sy/whyw/": {"source": 0.9},
}
# published_at from the URL date alone: more than half means the dates left the pages.
GOVNEWS_HEALTH_MAX_URL_DATE_SHARE = 0.5
# Bodies the known containers (view / TRS_UEDITOR / TRS_Editor) missed: a renamed template.
GOVNEWS_HEALTH_MAX_FALLBACK_SHARE = 0.1
# Cleaning far above the mirror's level (0.05-0.09 placeholders, 0.9-1.05 duplicate
# paragraphs per item): a template widget or a second body copy now leaks into the body.
GOVNEWS_HEALTH_MAX_PLACEHOLDERS_PER_ITEM = 0.5
GOVNEWS_HEALTH_MAX_DUPLICATES_PER_ITEM = 4.0
# Attachments whose text was read, of those read (archives aside): a reader that broke (a
# missing tool, workers that die) shows here. Judged with -a attachments=1 only; 0 turns it off.
GOVNEWS_HEALTH_MIN_ATTACHMENT_TEXT_SHARE = 0.5
# Share checks skip a column with fewer items than this (1: judge every column).
GOVNEWS_HEALTH_MIN_ITEMS = 1
# The per-item cleaning rates are judged from this many exported items up: cleaning comes
# in clumps (the seed page alone has 5 duplicate paragraphs).
GOVNEWS_HEALTH_MIN_ITEMS_FOR_RATES = 10

# -- Services a crawler does not need --------------------------------------------
# Nothing should listen on a port of the machine that runs scheduled crawls.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
