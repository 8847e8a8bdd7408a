"""Scores as people read them: labels in the page's language, numbers to 2 decimals, grades by their
choice label, booleans 是/否, and "无法计算：reason" for a row that could not be computed."""
from __future__ import annotations

from server.scoring.evaluate import OK

YES_NO = {"zh": ("是", "否"), "en": ("Yes", "No")}
CANNOT = {"zh": "无法计算：", "en": "Cannot be computed: "}


def format_number(value: float) -> str:
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _display(row: dict, stored: dict, choices: dict, lang: str) -> str:
    if stored["status"] != OK:
        reason = stored.get("reason_en") if lang == "en" else stored.get("reason")
        return CANNOT[lang] + (reason or stored.get("reason") or "")
    value = stored["value"]
    if row["type"] == "boolean":
        return YES_NO[lang][0 if value else 1]
    if row["type"] == "grade":
        for choice in choices.get(row.get("choice_list") or "", []):
            if choice["name"] == value:
                return choice[lang]
        return str(value)
    return format_number(value)


def display_rows(result, lang: str | None = None) -> list[dict]:
    if lang is None:
        from server.i18n import select_locale

        lang = select_locale()
    lang = "en" if lang == "en" else "zh"
    definition = result.form_version.scoring or {}
    rows = {r["name"]: r for r in definition.get("rows", [])}
    choices = definition.get("choices", {})
    out = []
    for stored in result.rows:
        row = rows.get(stored["name"], {"type": "number", "label": {"zh": stored["name"], "en": stored["name"]}})
        out.append({"name": stored["name"], "label": row["label"][lang], "type": row["type"],
                    "status": stored["status"], "value": stored["value"],
                    "display": _display(row, stored, choices, lang),
                    "reason": (stored.get("reason_en") if lang == "en" else stored.get("reason"))})
    return out


def parameters(result) -> dict:
    return {"poverty_line": result.poverty_line, "poverty_line_id": result.poverty_line_id, "year": result.year,
            "area": result.area.code if result.area else None, "computed_at": result.computed_at}
