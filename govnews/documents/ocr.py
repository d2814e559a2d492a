"""Scanned pages read by OCR: RapidOCR (``rapidocr-onnxruntime``, Apache-2.0) with the PP-OCRv4
Chinese detection and recognition models that its wheel carries, run by ONNX Runtime on the
CPU. Installed by the ``ocr`` extra (``pip install 'govnews[ocr]'``); nothing is fetched at
run time: the models are files of the pinned wheel, and their SHA-256 are checked here
before they are loaded.

Why RapidOCR and not Tesseract (Debian's ``tesseract-ocr-chi-sim``): on the mirror's scans
(16-point text at 200 and 300 dpi, turned by under a degree, dust, a red seal over the
text) it made 1.5-3 % character errors where Tesseract 5.3 made 14-18 %, in about the same
time (``benchmarks/bench_ocr.py``; docs/attachments.md has the table).

Before recognition a page keeps only its red channel, which turns a red seal white and leaves
black text black (pixels clearly redder than they are green or blue, the seal's ink where
JPEG smeared it, become white too), and a 3×3 median filter takes the dust out. The recognised lines are laid
out as the PDF reader lays out text (:func:`govnews.documents.pdf.paragraph_breaks`), and
ASCII punctuation the models give next to Chinese becomes the full-width form Chinese text
uses (:func:`chinese_punctuation`).

Runs in the reader pool's workers (``pool.py``), one page a task, under a time limit a page
and a memory cap of its own; an engine is loaded once a worker and kept.
"""

from __future__ import annotations

import hashlib
import io
import re
from functools import cache
from pathlib import Path
from typing import Any

from .tidy import is_cjk, join_lines

__all__ = ["MODELS", "OcrUnavailable", "chinese_punctuation", "ocr_image", "ocr_pdf_page", "ocr_pixels", "prepared"]

MODELS = {
    "ch_PP-OCRv4_det_infer.onnx": "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
    "ch_PP-OCRv4_rec_infer.onnx": "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b",
    "ch_ppocr_mobile_v2.0_cls_infer.onnx": "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
}
"""The models of ``rapidocr-onnxruntime==1.4.4`` (pinned in pyproject.toml), by SHA-256."""
LONG_SIDE = 2000
"""Pixels on a page's long side for recognition (RapidOCR's own ceiling): about 170 dpi on A4."""
MAX_PIXELS = 80_000_000
_RED_INK = 40
"""A pixel whose red exceeds its green and blue by more than this is a seal's ink..."""
_DARK_TEXT = 150
"""...unless its red is this dark or darker: then it is black text under the seal."""
"""An image with more pixels than this is not decoded (a decompression bomb of an image)."""


class OcrUnavailable(RuntimeError):
    """The OCR engine (the ``ocr`` extra) is not installed, or its models are not the pinned ones."""


@cache
def _engine() -> Any:
    try:
        import rapidocr_onnxruntime  # noqa: PLC0415 - optional: only OCR needs it
    except ImportError as exc:
        raise OcrUnavailable(f"the OCR engine is not installed (pip install 'govnews[ocr]'): {exc}") from None
    models = Path(rapidocr_onnxruntime.__file__).parent / "models"
    for name, digest in MODELS.items():
        path = models / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise OcrUnavailable(f"{path} is not the pinned model (rapidocr-onnxruntime==1.4.4)")
    # One thread each: the pool runs a worker a core.
    return rapidocr_onnxruntime.RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, use_cls=False)


def ocr_pixels(image: Any) -> str:
    """The text of an RGB page image (a ``numpy`` array, height × width × 3)."""
    import numpy as np  # noqa: PLC0415 - optional, with the engine

    engine = _engine()
    red = prepared(image)
    found, _ = engine(np.ascontiguousarray(np.stack([red, red, red], axis=2)))
    return _layout(found or [])


def prepared(image: Any) -> Any:
    """A page as recognition sees it: grey, its long side at most :data:`LONG_SIDE`, a seal's
    red ink white (the red channel, and pixels clearly redder than green or blue made
    white unless dark: black text under a seal), dust taken out by a 3×3 median filter."""
    import cv2  # noqa: PLC0415 - optional, with the engine
    import numpy as np  # noqa: PLC0415

    height, width = image.shape[:2]
    scale = LONG_SIDE / max(height, width)
    channels = image.astype(np.int16)
    red_only = channels[:, :, 0] - np.maximum(channels[:, :, 1], channels[:, :, 2]) > _RED_INK
    ink = red_only & (channels[:, :, 0] > _DARK_TEXT)  # black text under a seal is dark red: kept
    grey: Any = np.where(ink, 255, image[:, :, 0]).astype(np.uint8)
    if scale < 1:
        grey = cv2.resize(grey, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    return cv2.medianBlur(grey, 3)


def ocr_pdf_page(path: str, index: int) -> str:
    """The text of page ``index`` (0-based) of the PDF at ``path``, rendered and recognised."""
    import pypdfium2 as pdfium  # noqa: PLC0415

    _engine()  # fail before rendering when there is no engine
    document = pdfium.PdfDocument(path)
    try:
        page = document[index]
        try:
            width, height = page.get_size()
            bitmap = page.render(scale=LONG_SIDE / max(width, height, 1.0), rev_byteorder=True)
            pixels = bitmap.to_numpy()[:, :, :3]
        finally:
            page.close()
    finally:
        document.close()
    return ocr_pixels(pixels)


def ocr_image(data: bytes) -> str:
    """The text of a picture (PNG, JPEG, TIFF, BMP, GIF, WebP)."""
    import numpy as np  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415 - a dependency of the engine

    _engine()
    with Image.open(io.BytesIO(data)) as image:
        if image.width * image.height > MAX_PIXELS:
            raise ValueError(f"{image.width}×{image.height} pixels")
        image.thumbnail((LONG_SIDE, LONG_SIDE))
        pixels = np.asarray(image.convert("RGB"))
    return ocr_pixels(pixels)


def _layout(found: list[Any]) -> str:
    """Recognised boxes as text: boxes on one line (their middles within half a line's
    height) left to right, lines into paragraphs as the PDF reader makes them."""
    from .layout import Line, paragraph_breaks  # noqa: PLC0415

    boxes = []
    for points, text, _score in found:
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        boxes.append((min(xs), max(xs), min(ys), max(ys), str(text)))
    boxes.sort(key=lambda box: (box[2] + box[3]) / 2)
    rows: list[list[tuple[float, float, float, float, str]]] = []
    for box in boxes:
        middle = (box[2] + box[3]) / 2
        if rows:
            last = rows[-1]
            last_middle = sum((b[2] + b[3]) / 2 for b in last) / len(last)
            last_height = max(b[3] - b[2] for b in last)
            if abs(middle - last_middle) < last_height / 2:
                last.append(box)
                continue
        rows.append([box])
    lines = []
    for row in rows:
        row.sort(key=lambda box: box[0])
        height = max(b[3] - b[2] for b in row)
        text = chinese_punctuation(join_lines([b[4] for b in row]))
        # Image y grows downwards; Line's baseline grows upwards.
        lines.append(Line(text, row[0][0], max(b[1] for b in row), -max(b[3] for b in row), height))
    breaks = paragraph_breaks(lines)
    out: list[str] = []
    for line, starts in zip(lines, breaks, strict=True):
        if starts or not out:
            out.append(line.text)
        else:
            out[-1] = join_lines([out[-1], line.text])
    return "\n".join(out)


_FULL_WIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
_ASCII_PUNCTUATION_RE = re.compile(r"[,;:!?()]")


def chinese_punctuation(text: str) -> str:
    """ASCII punctuation next to a Chinese character as the full-width form Chinese uses;
    in Latin text it stays.

    >>> chinese_punctuation("共涉及59个项目(第8批)!市发展 and: (a, b)")
    '共涉及59个项目（第8批）！市发展 and: (a, b)'
    """

    def replace(match: re.Match[str]) -> str:
        at = match.start()
        before = text[at - 1] if at else ""
        after = text[at + 1] if at + 1 < len(text) else ""
        near_cjk = (before and is_cjk(before)) or (after and is_cjk(after))
        # A bracket pairs with its partner: "(第8批)" has a digit inside but Chinese outside.
        if not near_cjk and match.group() in "()":
            near_cjk = bool(re.search(r"[\u4e00-\u9fff]", text[max(0, at - 2) : at + 3]))
        return _FULL_WIDTH[match.group()] if near_cjk else match.group()

    # Twice: a mark next to one just made full-width ("批)!") follows it.
    for _ in range(2):
        text = _ASCII_PUNCTUATION_RE.sub(replace, text)
    return text
