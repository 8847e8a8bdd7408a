"""Demo households for ``zoufang demo``: about 200 across the demo villages, with members whose
身份证号 carry valid check digits, category histories and cadre assignments. Deterministic (seeded)."""
from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from server.accounts.models import User
from server.accounts.permissions import SYSTEM
from server.areas.models import Area
from server.db import get_session
from server.households.assignments import assign_households
from server.households.idcard import make_id_number
from server.households.models import HEALTH, LABOUR, POVERTY_CAUSES
from server.households.service import new_household, replace_members, set_category

SURNAMES = "杨吴蒋张刘李王陈周龙田彭向舒粟唐姚胡"
GIVEN = ["明", "芳", "国庆", "建华", "秀英", "桂兰", "志强", "海燕", "小军", "春梅", "德成", "金花", "永福", "玉珍",
         "长生", "红霞", "新民", "丽", "伟", "娟"]
PER_VILLAGE = 34
CENTRE = (27.443, 109.679)  # 芷江


def _person(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + rng.choice(GIVEN)


def _members(rng: random.Random, head: str, area6: str, seq: int) -> list[dict]:
    surname = head[0]
    head_born = date(rng.randint(1950, 1985), rng.randint(1, 12), rng.randint(1, 28))
    people = [("户主", head, head_born, rng.choice("男女"))]
    if rng.random() < 0.8:
        people.append(("配偶", _person(rng), date(head_born.year + rng.randint(-3, 3), rng.randint(1, 12),
                                                   rng.randint(1, 28)), "女" if people[0][3] == "男" else "男"))
    for _ in range(rng.randint(0, 3)):
        rel, sex = rng.choice([("之子", "男"), ("之女", "女")])
        people.append((rel, _person(rng, surname), date(min(head_born.year + rng.randint(20, 35), 2022),
                                                          rng.randint(1, 12), rng.randint(1, 28)), sex))
    out = []
    for n, (rel, name, born, sex) in enumerate(people):
        age = date.today().year - born.year
        out.append({"name": name, "relation": rel, "sex": sex, "birth_date": born,
                    "id_number": make_id_number(area6, born, seq * 10 + n * 2 + (1 if sex == "男" else 0)),
                    "health": rng.choices(HEALTH, weights=(70, 15, 8, 7))[0],
                    "labour": "无劳动力" if age < 16 or age > 70 else rng.choice(LABOUR[:4]),
                    "schooling": "在校" if 6 <= age <= 18 else ("学龄前" if age < 6 else "非在校"),
                    "basic_insurance": rng.random() < 0.97, "serious_illness_insurance": rng.random() < 0.9,
                    "migrant_months": rng.choice([0, 0, 3, 6, 10]) if 18 <= age <= 55 else 0})
    return out


def load_demo_households(cadres: dict[str, str]) -> int:
    """Create the households; ``cadres`` maps a village code to the cadre given its first 20 households."""
    rng = random.Random(431228)
    session = get_session()
    villages = list(session.scalars(select(Area).where(Area.level == "village").order_by(Area.code)))
    count = 0
    for v_index, village in enumerate(villages):
        groups = list(session.scalars(select(Area).where(Area.parent_id == village.id).order_by(Area.code)))
        codes = []
        for n in range(PER_VILLAGE):
            code = f"{village.code}{n + 1:04d}"
            head = _person(rng)
            category = rng.choices(["poor", "poor_dibao", "poor_wubao", "poor_disabled", "exited", "edge",
                                    "monitored"], weights=(30, 12, 5, 5, 35, 8, 5))[0]
            household = new_household(
                code, head, village, category="poor" if category == "exited" else category,
                group=groups[n % len(groups)] if groups else None, since=date(2014, 10, 1), actor=SYSTEM,
                address=f"{village.name}{(n % 2) + 1}组{n + 1}号", phone=f"138{rng.randint(10000000, 99999999)}",
                latitude=round(CENTRE[0] + rng.uniform(-0.08, 0.08), 6),
                longitude=round(CENTRE[1] + rng.uniform(-0.08, 0.08), 6),
                main_cause=rng.choice(POVERTY_CAUSES), secondary_cause=rng.choice(POVERTY_CAUSES))
            if category == "exited":
                set_category(household, "exited", since=date(rng.randint(2016, 2020), 12, 1), reason="exited",
                             actor=SYSTEM)
            replace_members(household, _members(rng, head, village.code[:6], v_index * 1000 + n))
            codes.append(code)
            count += 1
        session.flush()
        username = cadres.get(village.code)
        if username and session.scalar(select(User.id).where(User.username == username)):
            assign_households(username, actor=SYSTEM, codes=codes[:20], on=date(2024, 1, 1))
    return count
