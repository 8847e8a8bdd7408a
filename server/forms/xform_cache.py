"""Facts read once from a published XForm and kept by its sha256: the bytes behind a sha256 never change."""
from __future__ import annotations

from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class XFormFacts(Generic[T]):
    """``facts.get(sha256, load_xform)`` reads ``read(xform_bytes)`` on the first call for that XForm only."""

    def __init__(self, read: Callable[[bytes], T], size: int = 256):
        self.read, self.size = read, size
        self._found: dict[str, T] = {}

    def get(self, xform_sha256: str, load_xform: Callable[[], bytes]) -> T:
        found = self._found.get(xform_sha256)
        if found is None:
            found = self.read(load_xform())
            if len(self._found) >= self.size:
                self._found.clear()
            self._found[xform_sha256] = found
        return found
