"""Big attachments must parse wherever the parser's read chunks happen to fall.

Werkzeug's multipart decoder refuses a read when the bytes it still holds plus the new chunk exceed
``max_form_memory_size`` — for file parts too. It holds bytes back whenever a chunk ends with a CR or
LF near its end (a boundary might start there), which photo bytes do at random. With that limit
equal to the parser's 64 KB read size, a photo submission was refused ("too many parts or an
oversize field", 400) for some body lengths and accepted for others: the ingest bench saw every
submission after the 100th refused because its instance grew by two bytes.
"""
from __future__ import annotations

import random

from tests.openrosa.submit_client import app, instance, jpeg, stored, world  # noqa: F401

PHOTO = jpeg("p1") + random.Random(7).randbytes(150 * 1024)  # CR and LF bytes at random, as in a JPEG


def test_a_150_kb_photo_is_accepted_at_every_alignment(world, stored):
    statuses = {}
    for pad in range(64):  # shifts every chunk boundary by one byte each time
        xml = instance(f"uuid:align-{pad}", household="张" + "三" * pad, kid_photos=())
        statuses[pad] = world.a.post(xml, {"p1.jpg": PHOTO}).status_code
    assert {pad: s for pad, s in statuses.items() if s != 201} == {}
    assert stored()[:3] == (64, 64, 64)
