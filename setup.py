"""For scrapyd eggs: ``scrapyd-deploy`` runs ``python setup.py bdist_egg``. Everything else,
the version (``govnews.__version__``) and the entry point ``scrapy: settings =
govnews.settings`` that scrapyd reads included, is written once, in pyproject.toml."""

from setuptools import setup

setup(zip_safe=False)
