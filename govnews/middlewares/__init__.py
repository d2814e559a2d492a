"""Downloader middlewares, one class a module."""
