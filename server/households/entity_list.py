"""households.csv: the entity list a cadre's phone receives — only that cadre's households.

Columns follow the ODK Entities spec (2024.1): ``name`` (the household code, which
the forms store), ``label`` (what the cadre picks from), ``__version`` (for
update forms' baseVersion), then properties. Written with the csv module; the
bytes depend only on the rows, so their MD5 changes exactly when the list does.
"""
from __future__ import annotations

import csv
import hashlib
import io

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from server.areas.models import Area
from server.db import get_session
from server.households.models import CATEGORIES, Household, Member
from server.households.service import assigned_condition

ENTITY_LIST = "households.csv"
PROPERTIES = ("head_name", "village", "group", "category", "members", "address", "phone", "geometry")


def _rows(cadre) -> list[tuple]:
    village, group = aliased(Area), aliased(Area)
    members = (select(func.count(Member.id)).where(Member.household_id == Household.id)
               .correlate(Household).scalar_subquery())
    q = (select(Household.code, Household.head_name, Household.version, village.name, group.name,
                Household.category, members, Household.address, Household.phone, Household.latitude,
                Household.longitude)
         .join(village, village.id == Household.village_id).outerjoin(group, group.id == Household.group_id)
         .where(assigned_condition(cadre.id)).order_by(Household.code))
    return list(get_session().execute(q))


def households_csv(cadre) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("name", "label", "__version", *PROPERTIES))
    for code, head, version, village, group, category, members, address, phone, lat, lon in _rows(cadre):
        geometry = f"{lat} {lon} 0 0" if lat is not None and lon is not None else ""
        writer.writerow((code, f"{code} {head}（{village}）", version, head, village, group or "",
                         CATEGORIES.get(category, category), members, address or "", phone or "", geometry))
    return out.getvalue().encode("utf-8")


def households_csv_with_md5(cadre) -> tuple[bytes, str]:
    data = households_csv(cadre)
    return data, hashlib.md5(data).hexdigest()
