"""What operators run: the crawl command (:mod:`.commands`), the state listing
(:mod:`.state_command`: ``scrapy govnews-state``), scheduling on scrapyd (:mod:`.schedule`),
progress (:mod:`.progress`) and the end-of-run health checks (:mod:`.health`).

The top layer: it may import anything below it (the crawl, the pipelines, the family, the
store, the feeds); nothing imports it but Scrapy, through the settings.
"""
