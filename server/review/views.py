"""Review pages: samples and the draw form (/review), a sample's queue, the evidence view of one visit in it
(photos, answers, flags, location, review buttons, history, previous/next, keyboard shortcuts), and a cadre's
own review results (/review/mine)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from server.accounts import permissions
from server.accounts.auth import current_user, login_required
from server.areas.service import list_areas
from server.db import get_session, unit_of_work
from server.errors import DomainError
from server.evidence.checks import Unreadable, haversine_m, parse_gps
from server.i18n import select_locale
from server.inputs import load
from server.review import sampling, service
from server.review.models import ReviewEvent
from server.review.schemas import ReviewInSchema, SampleInSchema, last_week
from server.submissions import queries
from server.submissions.models import SUBMISSION_STATE_LABELS, Submission

bp = Blueprint("review", __name__)

# A cadre's review results: the states a reviewer decided.
DECIDED = ("has_issues", "rejected", "approved")
MINE_LIMIT = 200


def _index(form=None, error=None, status=200):
    user = current_user()
    with unit_of_work():
        permissions.require(user, "submission.review")
        since, until = last_week()
        defaults = {"since": since.isoformat(), "until": until.isoformat(), "percent": "10", "min_per_cadre": "1"}
        areas = [a for a in list_areas(actor=user) if a.level in ("county", "township", "village")]
        samples = sampling.list_samples(actor=user)
        return render_template("review/index.html", samples=samples, areas=areas, form={**defaults, **(form or {})},
                               forms=[f for f, _n in queries.form_counts(actor=user)], error=error,
                               reviewed={s.id: sampling.reviewed_count(s.id) for s in samples}), status


@bp.get("/review")
@login_required
def index():
    user = current_user()
    if not permissions.can(user, "submission.review") and permissions.can(user, "submission.submit"):
        return redirect(url_for("review.mine"))
    return _index()


@bp.post("/review/samples")
@login_required
def draw():
    try:
        data = load(SampleInSchema(), request.form.to_dict())
        with unit_of_work():
            sample = sampling.draw_sample(actor=current_user(), area_code=data["area"], since=data["since"],
                                          until=data["until"], percent=data["percent"],
                                          min_per_cadre=data["min_per_cadre"], form=data["form"],
                                          seed=data["seed"], note=data["note"])
            sample_id, size, population = sample.id, sample.size, sample.population
    except DomainError as exc:
        return _index(request.form.to_dict(), exc, exc.status)
    flash(_("已抽取 %(size)s 条（共 %(population)s 条）", size=size, population=population), "success")
    return redirect(url_for("review.queue", sample_id=sample_id))


@bp.get("/review/samples/<int:sample_id>")
@login_required
def queue(sample_id: int):
    user = current_user()
    with unit_of_work():
        sample = sampling.get_sample(sample_id, actor=user)
        return render_template("review/queue.html", sample=sample, state_labels=SUBMISSION_STATE_LABELS,
                               flags=sampling.flag_counts(i.submission_id for i in sample.items),
                               reviewed=sampling.reviewed_count(sample.id), lang=select_locale())


def _locations(sub: Submission, answers) -> list[dict]:
    """Each GPS answer of the visit beside the household's recorded location, as text (no map)."""
    home = None
    if sub.household is not None and sub.household.latitude is not None and sub.household.longitude is not None:
        home = (sub.household.latitude, sub.household.longitude)
    out = []
    for a in answers:
        if a.kind != "field" or a.type != "geopoint":
            continue
        try:
            gps = parse_gps(a.value)
        except Unreadable:
            gps = None
        fix = (gps.lat, gps.lon, gps.accuracy) if gps else None
        row = {"label": a.label, "raw": a.value, "fix": fix, "home": home, "km": None}
        if fix and home:
            row["km"] = haversine_m(fix[0], fix[1], *home) / 1000
        out.append(row)
    if not out:
        out.append({"label": None, "raw": None, "fix": None, "home": home, "km": None})
    return out


def review_context(sub: Submission, user) -> dict:
    """What the submission page and the evidence view show about a visit's review (also used by
    server/submissions/views.py)."""
    return {"history": service.history(sub.id, actor=user), "latest": service.latest_comment(sub.id),
            "flags": sampling.visit_flags(sub.id, actor=user), "can_review": _can_review(user, sub),
            "lang": select_locale()}


def _can_review(user, sub: Submission) -> bool:
    return permissions.can(user, "submission.review", sub.area) if sub.area is not None \
        else permissions.can(user, "submission.review") and permissions.county_wide(user)


def _item(sample_id: int, position: int, error=None, status=200, form=None):
    user = current_user()
    with unit_of_work():
        permissions.require(user, "evidence.view")
        item = sampling.get_item(sample_id, position, actor=user)
        sub = queries.get_submission(item.submission_id, actor=user)
        answers = queries.submission_answers(sub, lang=select_locale())
        present = set(sub.current.present_attachments)
        photos = [a for a in answers if a.is_file and a.value in present]
        return render_template("review/item.html", sample=item.sample, item=item, sub=sub, answers=answers,
                               photos=photos, locations=_locations(sub, answers), error=error, form=form or {},
                               total=len(item.sample.items), reviewed=sampling.reviewed_count(sample_id),
                               state_labels=SUBMISSION_STATE_LABELS, **review_context(sub, user)), status


@bp.get("/review/samples/<int:sample_id>/items/<int:position>")
@login_required
def item(sample_id: int, position: int):
    return _item(sample_id, position)


@bp.post("/review/samples/<int:sample_id>/items/<int:position>")
@login_required
def review_item(sample_id: int, position: int):
    user = current_user()
    try:
        data = load(ReviewInSchema(), request.form.to_dict())
        with unit_of_work():
            it = sampling.get_item(sample_id, position, actor=user)
            sub = service.set_state(it.submission_id, data["state"], actor=user, comment=data["comment"],
                                    sample_id=sample_id)
            label = SUBMISSION_STATE_LABELS[sub.state]
            total = len(it.sample.items)
    except DomainError as exc:
        return _item(sample_id, position, exc, exc.status, request.form)
    flash(_("第 %(n)s 条已标记为“%(state)s”", n=position, state=_(label)), "success")
    if position < total:
        return redirect(url_for("review.item", sample_id=sample_id, position=position + 1))
    return redirect(url_for("review.queue", sample_id=sample_id))


@bp.get("/review/mine")
@login_required
def mine():
    """The visits a user sent that a reviewer has decided on, newest decision first, with the latest comment."""
    user = current_user()
    with unit_of_work():
        permissions.require(user, "submission.view")
        session = get_session()
        subs = list(session.scalars(select(Submission).where(Submission.submitter_id == user.id,
                                                             Submission.state.in_(DECIDED))
                                    .order_by(Submission.updated_at.desc(), Submission.id.desc())
                                    .limit(MINE_LIMIT)))
        comments: dict[int, ReviewEvent] = {}
        if subs:
            events = session.scalars(select(ReviewEvent).where(ReviewEvent.submission_id.in_([s.id for s in subs]),
                                                               ReviewEvent.comment.is_not(None))
                                     .order_by(ReviewEvent.at.desc(), ReviewEvent.id.desc()))
            for ev in events:
                comments.setdefault(ev.submission_id, ev)
        return render_template("review/mine.html", subs=subs, comments=comments, state_labels=SUBMISSION_STATE_LABELS,
                               limit=MINE_LIMIT)
