"""Test photos: the demo's made-up pictures (a different structured picture per seed, optional EXIF time)."""
from server.demo_photos import DATETIME_ORIGINAL, EXIF_IFD, jpeg, photo, picture, resized  # noqa: F401
