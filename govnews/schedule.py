"""Moved to :mod:`govnews.ops.schedule`: ``python -m govnews.ops.schedule`` (this path keeps
working for one release, with a warning)."""

from __future__ import annotations

import sys

from govnews._moved import moved

moved("govnews.schedule", "govnews.ops.schedule")

if __name__ == "__main__":
    from govnews.ops.schedule import main

    sys.exit(main())
