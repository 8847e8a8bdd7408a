"""Scoring service: score a submission version at ingest, recompute stored results, read them back.

``score_submission`` is called by ingest in its transaction, after the household is
linked. It never raises: a visit is kept whatever its answers (a failure of the
scorer itself is logged and leaves the version unscored). Parameters: the poverty
line of the household's village (``sub.area_id`` once linked) for the year — the
form's ``ref_year`` answer when it has one (the 标准时期 the incomes are for),
otherwise the year the visit was received — from ``server.poverty.service.line_for``.
"""
from __future__ import annotations

import logging

from elementpath import XPathContext
from sqlalchemy import select

from server.areas.models import Area
from server.db import get_session, utcnow
from server.scoring.evaluate import evaluate, parse_instance
from server.scoring.models import ScoreResult
from server.scoring.translate import parse as parse_xpath
from server.storage.blobs import get_store
from server.submissions.models import Submission, SubmissionVersion

log = logging.getLogger(__name__)
NO_LINE = ("没有该地区该年份的贫困线", "No poverty line for this area and year")
NO_AREA = ("走访没有所属区划，无法确定贫困线", "The visit has no area, so no poverty line applies")

__all__ = ["score_submission", "score_version", "recompute", "scores_json"]


def _poverty_line(area: Area | None, year: int | None):
    """(value, line id) or (None, reason): the poverty module is imported lazily (it may not exist)."""
    if area is None or year is None:
        return None, NO_AREA if area is None else NO_LINE
    try:
        from server.poverty.service import line_for
    except ImportError:
        return None, NO_LINE
    found = line_for(area, year)
    return (found, None) if found else (None, NO_LINE)


def _year(definition: dict, xml: bytes, sub: Submission) -> int | None:
    path = definition.get("year_path")
    if path:
        try:
            value = parse_xpath(path).evaluate(XPathContext(parse_instance(xml)))
            text = str(value[0].string_value if isinstance(value, list) and value else "").strip()
            if text.isdigit() and 1900 < int(text) < 2200:
                return int(text)
        except Exception:  # noqa: BLE001 - an unreadable year falls back to the visit's
            pass
    return sub.received_at.year if sub.received_at else None


def score_version(sub: Submission, version: SubmissionVersion, xml: bytes | None = None) -> ScoreResult | None:
    """Compute (or recompute) the scores of one submission version; None when its form has no scoring."""
    definition = version_definition(version)
    if not definition:
        return None
    xml = xml if xml is not None else get_store().read_bytes(version.xml_sha256)
    area = get_session().get(Area, sub.area_id) if sub.area_id else None
    year = _year(definition, xml, sub)
    params, missing = {"year": year}, {}
    line = None
    if _uses_line(definition):
        line, why = _poverty_line(area, year)
        if line is None:
            missing["poverty_line"] = why
    params["poverty_line"] = line[0] if line else None
    rows = evaluate(definition, xml, params, missing)
    result = version.score
    if result is None:
        result = ScoreResult(submission=sub, version=version, form_version_id=version.form_version_id)
        get_session().add(result)
    result.area_id, result.year = (area.id if area else None), year
    result.poverty_line, result.poverty_line_id = (line[0], line[1]) if line else (None, None)
    result.rows, result.computed_at = rows, utcnow()
    return result


def version_definition(version: SubmissionVersion) -> dict | None:
    from server.forms.models import FormVersion

    fv = get_session().get(FormVersion, version.form_version_id)
    return fv.scoring if fv is not None else None


def score_submission(sub: Submission, xml: bytes | None = None) -> ScoreResult | None:
    """At ingest: score the submission's current version. Never raises."""
    try:
        with get_session().no_autoflush:  # ingest flushes later and turns a unique violation into a retry
            return score_version(sub, sub.current, xml)
    except Exception:  # noqa: BLE001 - the visit must be kept even if the scorer fails
        log.exception("scoring failed for submission %s", sub.instance_id)
        return None


def _area(area) -> Area | None:
    if area is None or isinstance(area, Area):
        return area
    session = get_session()
    if isinstance(area, int):
        return session.get(Area, area)
    return session.scalar(select(Area).where(Area.code == str(area)))


def _uses_line(definition: dict | None) -> bool:
    return any("poverty_line" in r["params"] for r in (definition or {}).get("rows", []))


def recompute(form_version_ids=None, area=None, year: int | None = None) -> int:
    """Recompute stored results; returns how many were computed.

    Only ``form_version_ids``: every submission version of those form versions, scored or not yet.
    With ``area`` (Area, id or code) and/or ``year`` — a poverty line changed: only the results whose
    parameters came from inside that area's subtree and that year, of forms that use the line.
    """
    session = get_session()
    if area is None and year is None:
        if form_version_ids is None:
            return 0
        versions = list(session.scalars(select(SubmissionVersion).where(
            SubmissionVersion.form_version_id.in_(list(form_version_ids)))))
    else:
        q = select(ScoreResult)
        if form_version_ids is not None:
            q = q.where(ScoreResult.form_version_id.in_(list(form_version_ids)))
        if area is not None:
            found = _area(area)
            if found is None:
                return 0
            q = q.join(Area, Area.id == ScoreResult.area_id).where(Area.path.startswith(found.path))
        if year is not None:
            q = q.where(ScoreResult.year == int(year))
        versions = [r.version for r in session.scalars(q) if _uses_line(r.form_version.scoring)]
    count = sum(score_version(v.submission, v) is not None for v in versions)
    session.flush()
    return count


def scores_json(sub: Submission, lang: str = "zh") -> tuple[list, dict | None]:
    """(scores, parameters) for the submission API."""
    from server.scoring.display import parameters
    from server.scoring.schemas import ScoreParametersSchema, ScoreSchema

    result = sub.current.score
    if result is None:
        return [], None
    return ScoreSchema(many=True).dump(result.shown(lang)), ScoreParametersSchema().dump(parameters(result))
