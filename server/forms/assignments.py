"""Which forms reach which phones: a form is assigned to a role within an area."""
from __future__ import annotations

from sqlalchemy import exists, or_, select

from server.accounts import permissions
from server.accounts.models import ROLE_LABELS, ROLES
from server.areas.models import Area
from server.audit.service import record_event
from server.db import get_session
from server.errors import Invalid, NotFound
from server.forms.models import Form, FormAssignment, FormVersion


def _target(role: str, area_code: str) -> tuple[str, Area]:
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise Invalid(f"未知角色：{role or '（空）'}，应为 {'、'.join(ROLES)}", f"Unknown role {role!r}",
                      code="bad_role")
    area = get_session().scalar(select(Area).where(Area.code == (area_code or "").strip()))
    if area is None:
        raise Invalid(f"找不到区划：{area_code}", f"Unknown area {area_code!r}", code="unknown_area")
    return role, area


def assign_form(ref, role: str, area_code: str, *, actor) -> FormAssignment:
    """Give the form to every user of ``role`` working in or above ``area_code``; idempotent."""
    from server.forms.service import manageable_form

    form = manageable_form(ref, actor=actor, action="form.assign")
    role, area = _target(role, area_code)
    permissions.require(actor, "form.assign", area)
    found = next((a for a in form.assignments if a.role == role and a.area_id == area.id), None)
    if found is not None:
        return found
    assignment = FormAssignment(role=role, area=area)
    form.assignments.append(assignment)
    get_session().flush()
    record_event("form.assign", actor=actor, target=form.xml_form_id, area=form.area,
                 detail={"role": role, "area": area.code, "assigned": True})
    return assignment


def unassign_form(ref, role: str, area_code: str, *, actor) -> None:
    from server.forms.service import manageable_form

    form = manageable_form(ref, actor=actor, action="form.assign")
    role, area = _target(role, area_code)
    permissions.require(actor, "form.assign", area)
    found = next((a for a in form.assignments if a.role == role and a.area_id == area.id), None)
    if found is None:
        raise NotFound(f"该表单没有分配给 {area.name} 的{ROLE_LABELS[role]}",
                       f"The form is not assigned to {role} in {area.code}", code="assignment_not_found")
    form.assignments.remove(found)
    get_session().flush()
    record_event("form.assign", actor=actor, target=form.xml_form_id, area=form.area,
                 detail={"role": role, "area": area.code, "assigned": False})


def forms_for_user(user) -> list[Form]:
    """The forms a user's phone receives: open, with a published version, assigned to the user's role
    in an area that contains, or lies inside, one of the user's areas."""
    if user is None or not getattr(user, "active", False) or not user.areas:
        return []
    ancestors = {int(p) for own in user.areas for p in own.path.strip("/").split("/") if p}
    assigned_area = or_(Area.id.in_(ancestors), permissions.area_filter(user, Area.path))
    q = (select(Form).where(Form.state == "open")
         .where(exists().where(FormVersion.form_id == Form.id, FormVersion.status == "published"))
         .where(exists().where(FormAssignment.form_id == Form.id, FormAssignment.role == user.role,
                               FormAssignment.area_id == Area.id, assigned_area))
         .order_by(Form.xml_form_id))
    return list(get_session().scalars(q))
