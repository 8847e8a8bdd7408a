"""Made-up photos for the demo visits and the tests: a different structured picture per seed (a gradient and
shapes, so a perceptual hash has something to look at), with or without an EXIF capture time."""
from __future__ import annotations

import random
from datetime import datetime
from io import BytesIO

from PIL import Image, ImageDraw

EXIF_IFD, DATETIME_ORIGINAL = 0x8769, 36867


def picture(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    rnd = random.Random(seed)
    w, h = size
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(25):
        x0, y0 = rnd.randrange(w), rnd.randrange(h)
        x1, y1 = x0 + rnd.randrange(20, w // 2), y0 + rnd.randrange(20, h // 2)
        colour = tuple(rnd.randrange(256) for _ in range(3))
        (draw.rectangle if rnd.random() < 0.5 else draw.ellipse)([x0, y0, x1, y1], fill=colour)
    return img


def jpeg(img: Image.Image, taken: datetime | None = None, quality: int = 88) -> bytes:
    """JPEG bytes; ``taken`` (local time, as a camera writes it) goes to EXIF DateTimeOriginal."""
    out = BytesIO()
    if taken is None:
        img.save(out, "JPEG", quality=quality)
    else:
        exif = Image.Exif()
        exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = taken.strftime("%Y:%m:%d %H:%M:%S")
        img.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def photo(seed: int, taken: datetime | None = None, size: tuple[int, int] = (640, 480)) -> bytes:
    return jpeg(picture(seed, size), taken)


def resized(data: bytes, factor: float = 0.5, taken: datetime | None = None) -> bytes:
    """A smaller, re-compressed copy of a JPEG (what forwarding a photo through a chat app does)."""
    img = Image.open(BytesIO(data))
    small = img.resize((int(img.width * factor), int(img.height * factor)), Image.LANCZOS)
    return jpeg(small, taken, quality=70)
