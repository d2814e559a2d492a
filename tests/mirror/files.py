"""The files the mirror serves as attachments, when it serves real ones: a :class:`Shelf`.

Without a shelf the mirror answers every attachment URL (``…/P0<digits>.<ext>``) with a few
placeholder bytes. With one (``MirrorSite(files=shelf)``) it serves documents of
:mod:`tests.mirror.documents`, each with its truth (:class:`ServedFile`: what a reader must
find in it, or why nothing):

* the site's own attachment links, by their extension: a text PDF (one page or several),
  the DOCX, the two-sheet XLSX, the OFD, DOC, WPS and XLS made by LibreOffice, the ZIP, RAR
  and 7z archives; a ``.ceb`` (Apabi's format, which nothing here reads) is a few bytes of
  no known kind;
* :attr:`Shelf.extras`, attached on top to the policy documents (``MirrorSite.extra_files``):
  one file of every kind above, the scan, the images, the blank DOCX, the GBK-named ZIP and
  every hostile file (truncated,
  encrypted, corrupt, an HTML error page as ``.pdf``, 0 bytes, the decompression bombs, one
  over the size cap, one that takes longer than the time limit to read);
* :attr:`Shelf.alternates`: other documents of the same kinds, for a file replaced under the
  same URL (``MirrorSite.replace_file``).

Knows nothing of govnews.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import documents
from .documents import Sample

CONTENT_TYPES = {
    "pdf": documents.CT_PDF,
    "docx": documents.CT_DOCX,
    "xlsx": documents.CT_XLSX,
    "doc": "application/msword",
    "wps": "application/kswps",
    "xls": "application/vnd.ms-excel",
    "ofd": "application/ofd",
    "zip": "application/zip",
    "rar": "application/x-rar-compressed",
    "7z": "application/x-7z-compressed",
    "png": "image/png",
    "jpg": "image/jpeg",
    "ceb": "application/octet-stream",
}
# The site's own attachment links, by extension: the sample served (the first of the list;
# a PDF link alternates between the one-page and the multi-page PDF).
BY_EXTENSION: dict[str, tuple[str, ...]] = {
    "pdf": ("通知.pdf", "multi-page.pdf"),
    "docx": ("方案.docx",),
    "xlsx": ("预算.xlsx",),
    "ofd": ("公文.ofd",),
    "doc": ("公告.doc",),
    "wps": ("文件.wps",),
    "xls": ("报表.xls",),
    "zip": ("附件.zip",),
    "rar": ("材料.rar",),
    "7z": ("材料.7z",),
}
# On top of the site's links, on its policy documents: every kind the generator writes (the
# site's own links do not name them all), then everything a crawler must survive.
EXTRAS: tuple[str, ...] = (
    "通知.pdf",
    "multi-page.pdf",
    "方案.docx",
    "预算.xlsx",
    "公文.ofd",
    "公告.doc",
    "文件.wps",
    "报表.xls",
    "附件.zip",
    "材料.rar",
    "扫描件.pdf",
    "扫描夹页.pdf",
    "红头文件.pdf",
    "编号.docx",
    "防汛通知.pdf",
    "照片.png",
    "照片.jpg",
    "blank.docx",
    "windows.zip",
    "材料.7z",
    "truncated.pdf",
    "truncated.docx",
    "encrypted.pdf",
    "encrypted.docx",
    "corrupt.pdf",
    "error-page.pdf",
    "empty.pdf",
    "bomb.docx",
    "bomb.zip",
    "oversize.pdf",
    "slow.pdf",
)
CEB_BYTES = b"CEBX\x00\x02" + bytes(range(256)) * 4
"""A file named ``.ceb`` (Apabi's e-book format): bytes of no kind a reader knows."""


@dataclass(frozen=True)
class ServedFile:
    """A file the mirror serves, and its truth: the kind its bytes are, its text (whitespace
    aside) and page count, an archive's members, or the reason there is no text."""

    name: str
    """The generator's name for it (``通知.pdf``); the link text of an extra."""
    data: bytes
    content_type: str
    kind: str
    text: str | None = None
    pages: int | None = None
    reason: str | None = None
    members: tuple[str, ...] | None = None
    scanned_pages: tuple[int, ...] | None = None

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower()

    @classmethod
    def of(cls, sample: Sample) -> ServedFile:
        extension = sample.name.rsplit(".", 1)[-1].lower()
        return cls(
            name=sample.name,
            data=sample.path.read_bytes(),
            content_type=sample.content_type or CONTENT_TYPES.get(extension, "application/octet-stream"),
            kind=sample.kind,
            text=sample.text,
            pages=sample.pages,
            reason=sample.reason,
            members=sample.members,
            scanned_pages=sample.scanned_pages,
        )


@dataclass(frozen=True)
class Shelf:
    """What the mirror serves at attachment URLs (see the module docstring)."""

    by_extension: dict[str, tuple[ServedFile, ...]]
    extras: tuple[ServedFile, ...]
    alternates: dict[str, ServedFile] = field(default_factory=dict)
    """A second document of a kind (``pdf``, ``docx``), for a file replaced in place."""
    size_cap: int = 0
    """The cap the oversize extra is made just over (the crawl's size cap must be this)."""

    def for_link(self, extension: str, number: int) -> ServedFile:
        """The file a site link of ``extension`` serves (``number`` picks among several)."""
        choices = self.by_extension.get(extension)
        if not choices:
            return ServedFile(f"附件.{extension}", CEB_BYTES, CONTENT_TYPES.get(extension, ""), "unknown",
                              reason="unsupported_kind")  # fmt: skip
        return choices[number % len(choices)]


def build_shelf(directory: Path, *, size_cap: int) -> Shelf:
    """Write the generator's corpus and its tool-made samples under ``directory`` and shelve
    them. Needs the font and the Debian tools (raises :class:`documents.MissingTool`)."""
    samples = {s.name: s for s in documents.build_corpus(directory / "corpus", size_cap=size_cap)}
    samples.update({s.name: s for s in documents.build_tool_samples(directory / "tools")})
    by_extension = {ext: tuple(ServedFile.of(samples[name]) for name in names) for ext, names in BY_EXTENSION.items()}
    alternates = {"pdf": _alternate_pdf(), "docx": _alternate_docx()}
    return Shelf(by_extension, tuple(ServedFile.of(samples[name]) for name in EXTRAS), alternates, size_cap)


def _alternate_pdf(seed: int = 4242) -> ServedFile:
    typeset = documents.pdf_typeset(documents.paragraphs(seed, 5))
    return ServedFile(
        "通知（修订）.pdf",
        typeset.data,
        documents.CT_PDF,
        "pdf",
        text=typeset.text,
        pages=len(typeset.pages),
        scanned_pages=(),
    )


def _alternate_docx(seed: int = 4243) -> ServedFile:
    data, text = documents.docx_bytes(seed)
    return ServedFile("方案（修订）.docx", data, documents.CT_DOCX, "docx", text=text)
