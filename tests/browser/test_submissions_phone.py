"""Township staff on a 390 × 844 phone: the visit list, filters and one visit with its photo, in headless Chromium."""
from __future__ import annotations

import io
import struct
import zlib

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import PASSWORD
from tests.openrosa.submit_client import app, instance, world  # noqa: F401

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real, decodable PNG of one colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_a_township_officer_checks_a_visit_on_a_phone(world, live_server, phone, make_user):
    xml = instance("uuid:phone-1", household="李四", photo="house.png", kid_photos=())
    boundary, body = encode_multipart({
        "xml_submission_file": FileStorage(io.BytesIO(xml), "instance.xml", content_type="text/xml"),
        "house.png": FileStorage(io.BytesIO(png(600, 400, (200, 80, 40))), "house.png", content_type="image/png")})
    assert world.a.post_raw(f"multipart/form-data; boundary={boundary}", body).status_code == 201
    make_user("township", "T1", username="officer")

    phone.goto(f"{live_server}/login")
    phone.fill("input[name=username]", "officer")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server}/")
    phone.click("nav >> text=走访记录")
    phone.click("text=走访表")
    phone.wait_for_selector("table.submission-list")
    assert phone.evaluate(OVERFLOW) <= 0
    phone.select_option("select[name=area]", "V12")
    phone.click("button:has-text('筛选')")
    phone.wait_for_selector("text=没有符合条件的走访记录")
    phone.select_option("select[name=area]", "V11")
    phone.click("button:has-text('筛选')")
    phone.click("text=uuid:phone-1")
    phone.wait_for_selector("img.photo")
    assert "李四" in phone.inner_text(".answers")
    # the photo really loaded and fits the screen
    phone.wait_for_function("document.querySelector('img.photo').complete")
    size = phone.evaluate("(() => { const i = document.querySelector('img.photo');"
                          " return [i.naturalWidth, i.getBoundingClientRect().width]; })()")
    assert size[0] == 600 and 0 < size[1] <= 390
    assert phone.evaluate(OVERFLOW) <= 0
