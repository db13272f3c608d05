"""A refused step never names Python code to a user (issue 7 point 14: no exception class name, 「OSError」).

``procurement/workflow.py`` falls back to a method's or a condition's ``__name__`` when a transition
has no Chinese label or a condition no Chinese refusal; the fallback must never be reached.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def fsm_transitions():
    for model in apps.get_models():
        for name in dir(model):
            meta = getattr(getattr(model, name, None), "_django_fsm", None)
            if meta is not None:
                for transition in meta.transitions.values():
                    yield pytest.param(transition, id=f"{model.__name__}.{name}:{transition.source}")


@pytest.mark.parametrize("transition", list(fsm_transitions()))
def test_every_transition_explains_itself_in_chinese(transition):
    assert CHINESE.search(transition.custom.get("label", "")), "a Chinese label (custom={'label': …})"
    for condition in transition.conditions:
        refusal = getattr(condition, "refusal", "")
        assert CHINESE.search(refusal), f"{condition.__name__}: decorate it with workflow.refusal('…')"


def test_the_transitions_were_found():
    assert len(list(fsm_transitions())) >= 10
