"""The sites as data: what a site of the family looks like (:mod:`.site`: hosts, columns,
title suffix, backend), the main site (:mod:`.wuhan`) and the family table
(:mod:`.family`: every site, keys and hosts, :func:`~.family.site_key`).

May import :mod:`govnews.text` only: everything else reads the table.
"""
