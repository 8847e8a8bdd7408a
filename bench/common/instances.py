"""四个一走访 instances as Collect writes them, with two valid ~150 KB JPEGs, as multipart bodies."""
from __future__ import annotations

import hashlib
import os
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

FORM_ID = "four_ones_visit"


# ---- a JPEG ---------------------------------------------------------------------------------------

def _tiny_jpeg_tail() -> bytes:
    """Everything after SOI/APP0 of a valid baseline JPEG: one 8×8 grey block (DC 0, all AC zero)."""
    def segment(marker: int, payload: bytes) -> bytes:
        return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload

    one_code = bytes([1] + [0] * 15) + b"\x00"  # one Huffman code of length 1 → symbol 0
    return (segment(0xDB, b"\x00" + b"\x01" * 64)                              # DQT: table 0, all ones
            + segment(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00")            # SOF0: 8×8, 1 component
            + segment(0xC4, b"\x00" + one_code)                               # DHT: DC table 0
            + segment(0xC4, b"\x10" + one_code)                               # DHT: AC table 0 (EOB)
            + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")                       # SOS
            + b"\x3f"                                                         # DC cat 0, EOB, 1-padding
            + b"\xff\xd9")                                                    # EOI


def make_jpeg(size: int = 150 * 1024, seed: int = 1) -> bytes:
    """A valid JPEG of about ``size`` bytes: a tiny grey image carrying random-byte COM segments
    (what a camera's big EXIF/thumbnail would be to the server: opaque bytes). Pillow is not in the
    project's environment, so no real photo is encoded; the server does not decode images anyway."""
    rnd = random.Random(seed)
    head = b"\xff\xd8" + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    tail = _tiny_jpeg_tail()
    padding = b""
    room = size - len(head) - len(tail)
    while room >= 4:
        payload_len = min(65533, room - 4)
        payload = rnd.randbytes(payload_len)
        padding += b"\xff\xfe" + (payload_len + 2).to_bytes(2, "big") + payload
        room -= payload_len + 4
    return head + padding + tail


# ---- instances and multipart bodies ---------------------------------------------------------------

@dataclass
class Form:
    form_id: str
    version: str


@dataclass
class Submission:
    instance_id: str
    xml: bytes
    content_type: str
    body: bytes
    photo_pieces: dict[str, tuple[bytes, ...]]  # file name → the bytes sent, in pieces

    @property
    def photos(self) -> dict[str, bytes]:
        """File name → the bytes sent."""
        return {name: b"".join(pieces) for name, pieces in self.photo_pieces.items()}

    @property
    def attachments(self) -> dict[str, str]:
        """File name → sha256 of the bytes sent (computed when asked: the load loops never ask)."""
        return {name: hashlib.sha256(data).hexdigest() for name, data in self.photos.items()}

    @property
    def xml_sha256(self) -> str:
        return hashlib.sha256(self.xml).hexdigest()


def four_ones_instance(form: Form, instance_id: str, photos: tuple[str, str], n: int) -> bytes:
    """A 四个一走访 instance as Collect writes it: root ``data`` with id/version, two visit photos."""
    now = datetime.now(timezone(timedelta(hours=8)))
    stamp = now.isoformat(timespec="milliseconds")
    today = now.date().isoformat()
    fields = (f"<start>{stamp}</start><end>{stamp}</end><today>{today}</today><deviceid>collect:BENCH{n % 50:04d}"
              f"</deviceid><grp_visit><household>hh{n:06d}</household><household_label>{escape('张三')}{n}"
              f"</household_label><household_note/><cadre_name>{escape('杨明')}</cadre_name>"
              f"<visit_date>{today}</visit_date></grp_visit><visit_gps>28.2 109.6 320 5</visit_gps>"
              f"<grp_talk><talk_done>yes</talk_done><talk_what>policy income</talk_what>"
              f"<talk_income_change>up</talk_income_change><talk_lbs_concerns>none</talk_lbs_concerns>"
              f"<talk_notes>{escape('谈心谈话，了解家庭收入变化')}</talk_notes></grp_talk>"
              f"<grp_measures><measures_done>yes</measures_done><measures_what>industry</measures_what>"
              f"<measures_reviewed>all</measures_reviewed><measures_other/><household_can_explain>yes"
              f"</household_can_explain><measures_notes/></grp_measures>"
              f"<grp_data><data_done>yes</data_done><data_what>handbook</data_what><data_status>ok</data_status>"
              f"<data_sections/><data_corrections/><handbook_at_home>yes</handbook_at_home><data_notes/></grp_data>"
              f"<grp_env><env_done>yes</env_done><env_what>yard</env_what><env_notes/></grp_env>"
              f"<problems_found>no</problems_found><calc_problem_count>0</calc_problem_count><problems_none_note/>"
              f"<visit_photo>{photos[0]}</visit_photo><visit_photo_2>{photos[1]}</visit_photo_2>"
              f"<calc_items_done>4</calc_items_done><summary_note/><grp_sign><signer_name>{escape('张三')}"
              f"</signer_name><sig_household/><sig_cadre/></grp_sign>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><data xmlns:jr="http://openrosa.org/javarosa" '
            f'xmlns:orx="http://openrosa.org/xforms" id="{escape(form.form_id)}" version="{escape(form.version)}">'
            f"{fields}<meta><instanceID>{instance_id}</instanceID><instanceName>{escape('四个一走访')} hh{n:06d}"
            f"</instanceName></meta></data>").encode("utf-8")


def multipart(parts: list[tuple[str, str, str, bytes | tuple[bytes, ...]]]) -> tuple[str, bytes]:
    """(content type, body) from (field name, file name, content type, data) parts; data may be in pieces."""
    boundary = "----zoufangbench" + uuid.uuid4().hex
    chunks = []
    for name, filename, ctype, data in parts:
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                      f"Content-Type: {ctype}\r\n\r\n".encode())
        chunks.extend(data) if isinstance(data, tuple) else chunks.append(data)
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(chunks)


def _com_padding(size: int, seed: int) -> bytes:
    """COM segments of random bytes, ``size`` bytes in all (what a camera's big EXIF/thumbnail is to the server)."""
    rnd = random.Random(seed)
    out, room = [], size
    while room >= 4:
        payload_len = min(65533, room - 4)
        out.append(b"\xff\xfe" + (payload_len + 2).to_bytes(2, "big") + rnd.randbytes(payload_len))
        room -= payload_len + 4
    return b"".join(out)


def _after_app_segments(jpeg: bytes) -> int:
    """Offset just past SOI and the APPn segments (JFIF, EXIF) at the start of a JPEG."""
    at = 2
    while jpeg[at] == 0xFF and 0xE0 <= jpeg[at + 1] <= 0xEF:
        at += 2 + int.from_bytes(jpeg[at + 2:at + 4], "big")
    return at


class PhotoMaker:
    """Distinct ~150 KB JPEGs as a phone camera makes them, as far as the server can tell: a 64×64 image of
    its own random pixels (so each has its own perceptual hash, as different photos do), EXIF capture time
    (now, China time), and random-byte COM segments up to the size (a real photo's bulk, opaque bytes to the
    server). Pillow encodes the small image; the padding is shared, so making one is cheap for the client."""

    SIDE = 64

    def __init__(self, size: int = 150 * 1024, seed: int = 1):
        from PIL import Image

        self.size, self.seed = size, seed
        self._image = Image
        exif = Image.Exif()
        taken = datetime.now(timezone(timedelta(hours=8))).strftime("%Y:%m:%d %H:%M:%S")
        exif[0x0132] = taken  # DateTime
        ifd = exif.get_ifd(0x8769)  # the Exif IFD
        ifd[0x9003] = taken  # DateTimeOriginal
        ifd[0x9011] = "+08:00"  # OffsetTimeOriginal
        self._exif = exif.tobytes()
        self._padding = _com_padding(max(0, size - 5 * 1024), seed)

    def small(self) -> bytes:
        """The photo before padding: a ~5 KB JPEG of new random pixels with the EXIF."""
        import io

        img = self._image.frombytes("L", (self.SIDE, self.SIDE), os.urandom(self.SIDE * self.SIDE))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=85, exif=self._exif)
        return buf.getvalue()

    def make(self, small: bytes | None = None) -> bytes:
        """A photo (from ``small`` when given): about ``size`` bytes, give or take a few hundred."""
        return b"".join(self.pieces(small))

    def pieces(self, small: bytes | None = None) -> tuple[bytes, bytes, bytes]:
        """The photo as three pieces to be joined (a multipart body joins them without a copy of its own)."""
        small = small or self.small()
        at = _after_app_segments(small)
        return small[:at], self._padding, small[at:]


class SubmissionFactory:
    """Builds the n-th submission: unique instanceID and two photos of its own.

    Every submission's photos are distinct photos (``PhotoMaker``), as real visits' photos are: the server
    cannot skip storing (and fsyncing) a photo because it already holds the same bytes — the baseline never
    gets to skip anything either — and the evidence checks do not see one photo reused across every visit."""

    def __init__(self, form: Form, photo_bytes: int = 150 * 1024):
        self.form = form
        self.maker = PhotoMaker(photo_bytes)
        self.run = uuid.uuid4().hex[:8]
        self._smalls: list[bytes] = []

    def prepare(self, n: int) -> "SubmissionFactory":
        """Encode the small images of submissions 0…n-1 now, before a timed run (Pillow's encoding is then not
        part of the client's work during it, so the client leaves the servers the same CPU as before)."""
        self._smalls = [self.maker.small() for _ in range(2 * n)]
        return self

    def _photo(self, n: int, k: int) -> tuple[bytes, ...]:
        i = 2 * n + k
        return self.maker.pieces(self._smalls[i] if i < len(self._smalls) else None)

    def build(self, n: int) -> Submission:
        instance_id = f"uuid:{uuid.uuid4()}"
        names = (f"{1700000000000 + n}.jpg", f"{1700000000000 + n}_2.jpg")
        xml = four_ones_instance(self.form, instance_id, names, n)
        parts = [("xml_submission_file", f"{FORM_ID}_{n}.xml", "text/xml", xml)]
        photos = {name: self._photo(n, k) for k, name in enumerate(names)}
        parts += [(name, name, "image/jpeg", data) for name, data in photos.items()]
        content_type, body = multipart(parts)
        return Submission(instance_id, xml, content_type, body, photos)
