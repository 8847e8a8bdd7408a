"""身份证号 are shown masked (4301**********1234) to everyone but those allowed to see them whole."""
from __future__ import annotations

from server.accounts import permissions


def mask_id_number(value: str | None) -> str | None:
    if not value:
        return value
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def shown_id_number(value: str | None, actor) -> str | None:
    return value if permissions.can(actor, "household.view_id_number") else mask_id_number(value)
