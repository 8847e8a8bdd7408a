"""Visits sent through the real OpenRosa endpoint by two cadres in two townships, and viewers of every kind."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.openrosa.submit_client import app, instance, jpeg, stored, submissions, world  # noqa: F401

PHOTO = jpeg("photo-a")


@pytest.fixture
def visits(world, make_user, api_token):
    """a1, a2 by cadre_a (V11, township T1), b1 by cadre_b (V21, township T2); viewers with API headers."""
    a1 = instance("uuid:a1", household="王五", photo="a1.jpg", kid_photos=())
    a2 = instance("uuid:a2", household="赵六", photo="", kid_photos=())
    world.a.send(a1, {"a1.jpg": PHOTO})
    world.a.send(a2)
    b1 = instance("uuid:b1", form_id="west", household="孙七", photo="", kid_photos=())
    world.b.send(b1)
    make_user("township", "T1", username="t1_staff")
    make_user("township", "T2", username="t2_staff")
    make_user("supervisor", "C", username="inspector")
    make_user("designer", "C", username="designer1")
    headers = {name: api_token(name) for name in
               ("cadre_a", "cadre_b", "t1_staff", "t2_staff", "inspector", "boss", "designer1")}
    return SimpleNamespace(a1=a1, a2=a2, b1=b1, headers=headers, world=world)
