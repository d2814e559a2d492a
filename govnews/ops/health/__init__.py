"""End-of-run health checks: is this run's output what the site holds?

* :mod:`govnews.ops.health.coverage` — an extension counting exported items and their
  fields per column;
* :mod:`govnews.ops.health.checks` — the checks, pure functions of the crawl stats, and
  their table (``CHECKS``);
* :mod:`govnews.ops.health.monitors` — the checks as a spidermon monitor suite made from the
  table, run when the spider closes, and the action that records the verdict;
* :mod:`govnews.ops.health.summary` — the verdict in the stats, ``<feed>.summary.json``
  beside each feed, the block at the end of the log and the one-line JSON result;
* :mod:`govnews.ops.health.history` — the run's line in the run history (``runs.jsonl``).

``docs/health.md`` lists the checks, their settings and the summary file.
"""
