"""Household pages: pick a township or village (a cadre: their households), the household file,
the village register and the township book."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from server.accounts.auth import current_user, login_required
from server.accounts import permissions
from server.areas.service import list_areas
from server.audit.times import local_time
from server.db import unit_of_work
from server.households.file import household_file
from server.households.file_schemas import RegisterMonthSchema
from server.households.models import CATEGORIES
from server.households.register import township_book, village_register
from server.households.service import list_households
from server.inputs import load

bp = Blueprint("household_files", __name__)
SEARCH_LIMIT = 100


@bp.app_template_filter("china_time")
def _china_time(value, fmt: str = "%Y-%m-%d %H:%M"):
    return local_time(value, fmt)


@bp.get("/households")
@login_required
def index():
    user = current_user()
    search = (request.args.get("q") or "").strip()[:50]
    with unit_of_work():
        permissions.require(user, "household.view")
        own = user.role == "cadre"
        households = list_households(actor=user, search=search or None) if own or search else []
        areas = [] if own else [a for a in list_areas(actor=user) if a.level in ("county", "township", "village")]
        return render_template("households/households_index.html", households=households[:SEARCH_LIMIT],
                               more=len(households) > SEARCH_LIMIT, areas=areas, own=own, search=search)


@bp.get("/households/<code>")
@login_required
def show(code: str):
    with unit_of_work():
        return render_template("households/file.html", f=household_file(code, actor=current_user()))


@bp.get("/areas/<code>/register")
@login_required
def register(code: str):
    month = load(RegisterMonthSchema(), request.args.to_dict())
    with unit_of_work():
        return render_template("households/register.html", register=village_register(code, actor=current_user(),
                                                                                        **month))


@bp.get("/areas/<code>/book")
@login_required
def book(code: str):
    month = load(RegisterMonthSchema(), request.args.to_dict())
    with unit_of_work():
        return render_template("households/book.html", book=township_book(code, actor=current_user(), **month),
                               labels=CATEGORIES)
