"""Item pipelines, one class a module, in the order ``ITEM_PIPELINES`` (settings.py)
runs them; docs/pipelines.md describes each. They read the running spider through
:mod:`govnews.contract` only."""
