"""What archivists and replay tools read: a CDXJ index (``cdxj-indexer``) of a run's WARC
files, and a WACZ of an archive (``wacz``, the ``archive`` extra), both made by the libraries
pywb and ReplayWeb.page's toolchain use themselves, not by hand.

``python -m govnews.archive.index ARCHIVE [--cdxj OUT] [--wacz OUT]``: ARCHIVE is a folder of
WARC files (``<GOVNEWS_OUTPUT_DIR>/<spider>/archive/``) or WARC files.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from govnews.archive.reader import ARCHIVE_SUFFIXES

CDXJ_SUFFIX = ".cdxj"


def warc_files(paths: Sequence[Path]) -> list[Path]:
    """The WARC files named, and those under the folders named, in name order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(ARCHIVE_SUFFIXES))
        elif path.is_file() and path.name.endswith(ARCHIVE_SUFFIXES):
            found.append(path)
        else:
            raise ValueError(f"{path}: not a WARC file or a folder of them")
    if not found:
        raise ValueError(f"no WARC file in {', '.join(map(str, paths))}")
    return found


def write_cdxj(files: Sequence[Path], output: Path, *, root: Path | None = None) -> Path:
    """A sorted CDXJ index of ``files`` at ``output`` (written whole, then moved in place);
    each line's ``filename`` relative to ``root`` (default: ``output``'s folder)."""
    from cdxj_indexer.main import write_cdx_index  # noqa: PLC0415 - read by archivists only

    root = root or output.parent
    partial = output.with_name(output.name + ".part")
    with open(partial, "w", encoding="utf-8") as out:
        write_cdx_index(out, [str(f) for f in files], {"sort": True, "dir_root": str(root)})
        out.flush()
        os.fsync(out.fileno())
    partial.replace(output)
    return output


def write_wacz(files: Sequence[Path], output: Path) -> Path:
    """A WACZ (1.1.1) of ``files`` at ``output``: the WARCs, their CDXJ index, the pages
    (every HTML page archived) and the package's digests. Needs the ``archive`` extra."""
    try:
        from wacz.main import main as wacz_main  # noqa: PLC0415 - the archive extra
    except ImportError:
        raise RuntimeError("a WACZ needs the wacz package: pip install 'govnews[archive]'") from None
    code = wacz_main(["create", "--detect-pages", "-o", str(output), *(str(f) for f in files)])
    if code not in (0, None) or not output.is_file():
        raise RuntimeError(f"wacz create failed (exit {code}) for {output}")
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m govnews.archive.index", description="Index an archive (CDXJ) or package it (WACZ)."
    )
    parser.add_argument("archive", nargs="+", type=Path, help="a folder of WARC files, or WARC files")
    parser.add_argument("--cdxj", type=Path, help="write a sorted CDXJ index here")
    parser.add_argument("--wacz", type=Path, help="write a WACZ here")
    opts = parser.parse_args(argv)
    if not opts.cdxj and not opts.wacz:
        parser.error("say what to write: --cdxj OUT, --wacz OUT or both")
    try:
        files = warc_files(opts.archive)
    except ValueError as error:
        parser.error(str(error))
    if opts.cdxj:
        print(write_cdxj(files, opts.cdxj))
    if opts.wacz:
        print(write_wacz(files, opts.wacz))
    return 0


if __name__ == "__main__":
    sys.exit(main())
