"""Report fixtures: the scoring field (three shipped instruments, cadre_a's phone) and real JPEGs."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.households.conftest import make_household, registry  # noqa: F401
from tests.scoring.conftest import field, scores  # noqa: F401
from tests.openrosa.submit_client import app  # noqa: F401


def real_jpeg(size=(64, 48), colour=(200, 40, 40), orientation: int | None = None) -> bytes:
    img = Image.new("RGB", size, colour)
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    img.save(out, "JPEG", exif=exif.tobytes(), quality=70)
    return out.getvalue()


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
