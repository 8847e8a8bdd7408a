"""Demo poverty lines for ``zoufang demo``: the county's line for every year from 2014.

2014–2016 follow the national line at current prices (2736, 2855, 2952 元); 2017–2019 a
provincial line above it; 2020 the 4000 元 exit line of the seeds, kept afterwards as the
county's monitoring line. One village carries its own, higher line for 2020 to show
that the most specific area wins.
"""
from __future__ import annotations

from server.accounts.permissions import SYSTEM
from server.poverty.service import set_line

COUNTY_LINES = {2014: 2736, 2015: 2855, 2016: 2952, 2017: 3335, 2018: 3535, 2019: 3747, 2020: 4000,
                2021: 4000, 2022: 4000, 2023: 4000, 2024: 4000, 2025: 4000, 2026: 4000}


def load_demo_lines(county_code: str, village_code: str | None = None) -> int:
    for year, amount in COUNTY_LINES.items():
        set_line(county_code, year, amount, "演示数据：县扶贫办公布的年度标准", actor=SYSTEM)
    if village_code:
        set_line(village_code, 2020, 4200, "演示数据：村级监测标准（高于县标准）", actor=SYSTEM)
    return len(COUNTY_LINES) + bool(village_code)
