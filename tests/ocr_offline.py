"""Read scanned pages by OCR through the reader pool, as ``python -m tests.ocr_offline PDF``,
and print what came back as one JSON line, with the network interfaces this process sees.

tests/test_ocr.py runs it under ``unshare -n`` (a network namespace with nothing but a
loopback that is down): the engine and its models must come from the installed packages,
never fetched.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from govnews.documents import DocumentReader, ReadLimits
from govnews.documents.result import MIB


def interfaces() -> list[str]:
    """The network interfaces of this process's namespace (``/proc/self/net/dev``; sysfs
    shows the host's)."""
    lines = Path("/proc/self/net/dev").read_text().splitlines()[2:]
    return sorted(line.split(":", 1)[0].strip() for line in lines)


def main(argv: list[str]) -> int:
    limits = ReadLimits(ocr=True, ocr_memory_limit=2048 * MIB, ocr_page_time_limit=120.0)
    with DocumentReader(max_workers=2, time_limit=60.0, limits=limits) as pool:
        results = [pool.submit(Path(path)).result(timeout=600) for path in argv]
    print(
        json.dumps(
            {
                "interfaces": interfaces(),
                "results": [
                    {
                        "text": r.text,
                        "reason": r.reason,
                        "pages": r.pages,
                        "scanned_pages": r.scanned_pages,
                        "ocr_pages": r.ocr_pages,
                        "detail": r.detail,
                    }
                    for r in results
                ],
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
