"""Spot-check samples (抽查): a share of an area's visits per village, at least N per cadre, reproducibly.

The population is every visit the reviewer may see in the area (and below) that was received on
``since``..``until`` (China-time calendar days, inclusive), optionally of one form, **except visits
already rejected** (已退回): those have been decided against and do not count as visits anywhere, so
spot-checking them again would waste a supervisor's sample. Everything else is in — received,
has issues, edited, approved — because a spot-check is also a check on earlier reviews.

The draw: ids sorted (a deterministic order), then per village (the visit's area or the village above
it; villages in path order) ``ceil(percent % × that village's visits)`` chosen with
``random.Random(seed)``; then each cadre below ``min_per_cadre`` is topped up from their visits not yet
chosen (all they have when they have fewer — said so in ``params["messages"]``); finally the chosen
visits are shuffled with the same generator, so the queue order is random and not grouped by village.
The seed comes from ``secrets`` when not given (below 2**53, so it survives JSON in any client) and is
recorded with everything else the draw used: the same parameters and seed over the same visits give the
same items in the same order (``params["population_sha256"]`` tells whether the visits are the same).
"""
from __future__ import annotations

import hashlib
import math
import random
import secrets
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select

from server.accounts import permissions
from server.areas.models import Area
from server.audit.service import record_event
from server.audit.times import day_start_utc
from server.db import get_session
from server.errors import Forbidden, Invalid, NotFound
from server.forms.models import Form
from server.review.models import Sample, SampleItem
from server.submissions.models import Submission
from server.submissions.queries import _visible

MAX_SEED = 2**53 - 1  # exact in JSON numbers (JavaScript)
MAX_MIN_PER_CADRE = 100
MAX_DAYS = 366
MAX_NOTE = 500
EXCLUDED_STATES = ("rejected",)


def _area(actor, area_code: str) -> Area:
    area = get_session().scalar(select(Area).where(Area.code == (area_code or "").strip()))
    if area is None:
        raise NotFound(f"找不到区划：{area_code}", f"Area not found: {area_code}", code="area_not_found")
    if not permissions.in_scope(actor, area):
        raise Forbidden(f"区划“{area.name}”不在您的范围内，不能在那里抽查",
                        f"Area {area.code} is outside your areas", code="forbidden")
    return area


def _form(form: str | None) -> Form | None:
    if not form:
        return None
    found = get_session().scalar(select(Form).where(Form.xml_form_id == form))
    if found is None:
        raise NotFound(f"找不到表单：{form}", f"Form not found: {form}", code="form_not_found")
    return found


def _check(percent, min_per_cadre, since: date, until: date, seed, note) -> None:
    if isinstance(percent, bool) or not isinstance(percent, (int, float)) or math.isnan(percent) \
            or not 0 < percent <= 100:
        raise Invalid("抽查比例应大于 0%、不超过 100%", "percent must be more than 0 and at most 100",
                      code="bad_percent")
    if isinstance(min_per_cadre, bool) or not isinstance(min_per_cadre, int) \
            or not 0 <= min_per_cadre <= MAX_MIN_PER_CADRE:
        raise Invalid(f"每名干部至少抽查的条数应在 0–{MAX_MIN_PER_CADRE} 之间",
                      f"min_per_cadre must be between 0 and {MAX_MIN_PER_CADRE}", code="bad_min_per_cadre")
    if since is None or until is None:
        raise Invalid("请填写接收日期起止", "since and until are required", code="dates_required")
    if since > until:
        raise Invalid("起始日期晚于截止日期", "since is after until", code="bad_dates")
    if (until - since).days >= MAX_DAYS:
        raise Invalid(f"抽查的日期范围最长 {MAX_DAYS} 天", f"The date range may span at most {MAX_DAYS} days",
                      code="bad_dates")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED):
        raise Invalid(f"随机种子应为 0–{MAX_SEED} 之间的整数", f"seed must be an integer from 0 to {MAX_SEED}",
                      code="bad_seed")
    if note is not None and len(note) > MAX_NOTE:
        raise Invalid(f"备注最多 {MAX_NOTE} 字", f"A note may have at most {MAX_NOTE} characters",
                      code="note_too_long")


def _villages(root: Area) -> dict[int, Area]:
    """area id → the village it lies in (itself when it is one; itself when it is above village level)."""
    areas = list(get_session().scalars(select(Area).where(Area.path.startswith(root.path, autoescape=True))))
    by_id = {a.id: a for a in areas}
    out: dict[int, Area] = {}
    for a in areas:
        cur = a
        while cur.level == "group" and cur.parent_id in by_id:
            cur = by_id[cur.parent_id]
        out[a.id] = cur
    return out


def population(*, actor, area: Area, since: date, until: date, form: Form | None) -> list[Submission]:
    """The visits a sample is drawn from, ids ascending (see the module docstring)."""
    conditions = [_visible(actor), Area.path.startswith(area.path, autoescape=True),
                  Submission.received_at >= day_start_utc(since),
                  Submission.received_at < day_start_utc(until + timedelta(days=1)),
                  Submission.state.not_in(EXCLUDED_STATES)]
    if form is not None:
        conditions.append(Submission.form_id == form.id)
    q = select(Submission).join(Area, Submission.area_id == Area.id).where(*conditions).order_by(Submission.id)
    return list(get_session().scalars(q))


def _draw(subs: list[Submission], villages: dict[int, Area], percent: float, min_per_cadre: int,
          rng: random.Random) -> tuple[list[int], dict]:
    by_village: dict[int, list[int]] = defaultdict(list)
    by_cadre: dict[int | None, list[int]] = defaultdict(list)
    for s in subs:  # ids ascending
        by_village[villages[s.area_id].id].append(s.id)
        by_cadre[s.submitter_id].append(s.id)
    area_of = {a.id: a for a in villages.values()}
    chosen: list[int] = []
    per_village = []
    for vid in sorted(by_village, key=lambda i: area_of[i].path):
        ids = by_village[vid]
        k = min(len(ids), math.ceil(len(ids) * percent / 100 - 1e-9))
        picked = rng.sample(ids, k)
        chosen.extend(picked)
        per_village.append({"code": area_of[vid].code, "name": area_of[vid].name, "population": len(ids),
                            "drawn": k})
    taken = set(chosen)
    short = []
    topped = 0
    if min_per_cadre:
        for cadre_id in sorted(by_cadre, key=lambda c: (c is None, c or 0)):
            if cadre_id is None:
                continue  # a visit whose cadre account was deleted: no one to top up for
            ids = by_cadre[cadre_id]
            have = sum(1 for i in ids if i in taken)
            need = min_per_cadre - have
            if need <= 0:
                continue
            rest = [i for i in ids if i not in taken]
            extra = rng.sample(rest, min(need, len(rest)))
            chosen.extend(extra)
            taken.update(extra)
            topped += len(extra)
            if len(ids) < min_per_cadre:
                short.append({"cadre_id": cadre_id, "visits": len(ids)})
    rng.shuffle(chosen)
    return chosen, {"per_village": per_village, "topped_up": topped, "short_cadres": short}


def draw_sample(*, actor, area_code: str, since: date, until: date, percent: float, min_per_cadre: int = 0,
                form: str | None = None, seed: int | None = None, note: str | None = None) -> Sample:
    """Draw and store a sample; its items are the queue, in draw order. Raises Invalid for bad
    parameters or an empty population, Forbidden for an area outside the actor's, NotFound for an
    unknown area or form."""
    permissions.require(actor, "submission.review")
    note = (note or "").strip() or None
    if isinstance(percent, int) and not isinstance(percent, bool):
        percent = float(percent)
    _check(percent, min_per_cadre, since, until, seed, note)
    area = _area(actor, area_code)
    the_form = _form(form)
    subs = population(actor=actor, area=area, since=since, until=until, form=the_form)
    if not subs:
        what = f"“{the_form.title}”" if the_form is not None else ""
        raise Invalid(f"{area.name}在 {since} 至 {until} 没有可抽查的{what}走访记录（已退回的不计）",
                      f"No visits to sample in {area.code} from {since} to {until} (rejected ones excluded)",
                      code="empty_population")
    if seed is None:
        seed = secrets.randbelow(MAX_SEED + 1)
    rng = random.Random(seed)
    chosen, info = _draw(subs, _villages(area), percent, min_per_cadre, rng)

    session = get_session()
    from server.accounts.models import User

    names = {u.id: u for u in session.scalars(select(User).where(User.id.in_([c["cadre_id"]
                                                                              for c in info["short_cadres"]])))}
    messages = []
    if len(chosen) == len(subs):
        messages.append({"zh": f"样本包含了全部 {len(subs)} 条走访记录（总体不大于所要的样本）",
                         "en": f"The sample is the whole population of {len(subs)} visits"})
    for c in info["short_cadres"]:
        u = names.get(c["cadre_id"])
        who = u.display_name if u else str(c["cadre_id"])
        c["username"] = u.username if u else None
        messages.append({"zh": f"{who}只有 {c['visits']} 条走访记录，不足每人 {min_per_cadre} 条，已全部抽取",
                         "en": f"{c['username'] or who} has only {c['visits']} visits (fewer than "
                               f"{min_per_cadre}); all are in the sample"})
    ids_text = ",".join(str(s.id) for s in subs)
    params = {"excluded_states": list(EXCLUDED_STATES), "form": the_form.xml_form_id if the_form else None,
              "area": area.code, "population_sha256": hashlib.sha256(ids_text.encode()).hexdigest(),
              "messages": messages, **info}
    sample = Sample(created_by_id=getattr(actor, "id", None), created_by_name=actor.username, area_id=area.id,
                    form_id=the_form.id if the_form else None, since=since, until=until, percent=percent,
                    min_per_cadre=min_per_cadre, seed=seed, population=len(subs), size=len(chosen),
                    params=params, note=note)
    sample.items = [SampleItem(submission_id=sid, position=n) for n, sid in enumerate(chosen, start=1)]
    session.add(sample)
    session.flush()
    record_event("review.sample", actor=actor, target=f"review_sample:{sample.id}", area=area,
                 detail={"area": area.code, "since": since.isoformat(), "until": until.isoformat(),
                         "percent": percent, "min_per_cadre": min_per_cadre, "form": params["form"], "seed": seed,
                         "population": len(subs), "size": len(chosen)})
    return sample


def _sample_query(actor):
    permissions.require(actor, "submission.review")
    return select(Sample).join(Area, Sample.area_id == Area.id).where(permissions.area_filter(actor, Area.path))


def get_sample(sample_id: int, *, actor) -> Sample:
    """A sample drawn in one of the actor's areas (by anyone: supervisors work as a team)."""
    sample = get_session().scalar(_sample_query(actor).where(Sample.id == sample_id))
    if sample is None:
        raise NotFound(f"找不到抽查样本：{sample_id}", f"Sample not found: {sample_id}", code="sample_not_found")
    return sample


def list_samples(*, actor, limit: int = 50) -> list[Sample]:
    """Samples drawn in the actor's areas, newest first."""
    return list(get_session().scalars(_sample_query(actor).order_by(Sample.created_at.desc(), Sample.id.desc())
                                       .limit(limit)))


def get_item(sample_id: int, position: int, *, actor) -> SampleItem:
    sample = get_sample(sample_id, actor=actor)
    item = get_session().scalar(select(SampleItem).where(SampleItem.sample_id == sample.id,
                                                         SampleItem.position == position))
    if item is None:
        raise NotFound(f"抽查样本 {sample_id} 没有第 {position} 条", f"Sample {sample_id} has no item {position}",
                       code="sample_item_not_found")
    return item


def reviewed_count(sample_id: int) -> int:
    return get_session().scalar(select(func.count()).select_from(SampleItem)
                                .where(SampleItem.sample_id == sample_id, SampleItem.reviewed_at.is_not(None))) or 0


def flag_counts(submission_ids) -> dict[int, int]:
    """Evidence flags per visit (the queue shows them; the draw order ignores them)."""
    from server.evidence.models import EvidenceFlag

    ids = list(submission_ids)
    if not ids:
        return {}
    q = (select(EvidenceFlag.submission_id, func.count()).where(EvidenceFlag.submission_id.in_(ids))
         .group_by(EvidenceFlag.submission_id))
    return {sid: n for sid, n in get_session().execute(q)}


def visit_flags(submission_id: int, *, actor) -> list:
    """The evidence flags of a visit for someone who may see evidence (else none: a cadre sees the review
    result and comment, not the checks)."""
    from server.evidence.models import EvidenceFlag

    if not permissions.can(actor, "evidence.view"):
        return []
    return list(get_session().scalars(select(EvidenceFlag).where(EvidenceFlag.submission_id == submission_id)
                                      .order_by(EvidenceFlag.id)))
