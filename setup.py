"""Packaging for pip and for scrapyd eggs (scrapyd-deploy reads the entry point)."""

from setuptools import find_packages, setup

setup(
    name="govnews",
    version="0.1.0",
    packages=find_packages(include=["govnews", "govnews.*"]),
    package_data={"govnews": ["schema/*.json"]},
    include_package_data=True,
    entry_points={"scrapy": ["settings = govnews.settings"]},
    zip_safe=False,
)
