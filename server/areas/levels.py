"""The four levels of the area tree, the many ways people write them, and what a code looks like."""
from __future__ import annotations

from server.areas.models import LEVEL_LABELS, LEVELS
from server.sheets import CODE_RE, clean_text  # noqa: F401  (areas code imports them from here)

PARENT_LEVEL = {"township": "county", "village": "township", "group": "village"}

# What people type in a 层级 column (after NFKC, trimmed, lower-cased) → level.
LEVEL_ALIASES = {
    "county": "county", "县": "county", "县级": "county", "区县": "county", "县(区)": "county", "区": "county",
    "township": "township", "乡镇": "township", "乡": "township", "镇": "township", "乡级": "township",
    "乡镇级": "township", "街道": "township",
    "village": "village", "行政村": "village", "村": "village", "村级": "village", "社区": "village",
    "group": "group", "村民小组": "group", "组": "group", "小组": "group", "村民组": "group",
}


def normalise_level(value: str | None) -> str | None:
    """'乡镇', '镇', 'Township' … → 'township'; None when unknown."""
    return LEVEL_ALIASES.get(clean_text(value or "").lower())


def level_label(level: str) -> str:
    return LEVEL_LABELS.get(level, level)


def level_depth(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else 0
