"""govnews: crawl the news and notice columns of www.wuhan.gov.cn into clean JSON Lines."""

__version__ = "0.3.0"
