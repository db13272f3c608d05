"""The audit log records enumerated actions only (issue 9 point 5)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django_fsm import FSMField

from procurement.models import EventAction, ProjectEvent
from procurement.modes import ModePlugin, event_action_labels, register_mode
from procurement.modes import _plugins as registry
from procurement.services.events import event_record
from tests.factories import BudgetUnitFactory

pytestmark = pytest.mark.django_db


def _transition_names() -> set[str]:
    """Every transition of every state machine of every installed app."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, FSMField):
                names |= {t.name for t in field.get_all_transitions(model)}
    return names


def test_every_transition_of_every_state_machine_is_an_enumerated_action():
    names = _transition_names()
    assert {"open_collection", "submit", "sign", "issue", "adopt"} <= names  # the walk found the machines
    # A mode's own machines' transitions are the actions it declares (ModePlugin.event_actions).
    assert names - set(EventAction.values) - set(event_action_labels()) == set()


def test_a_free_string_is_refused_before_anything_is_written():
    unit = BudgetUnitFactory()
    with pytest.raises(ValueError, match="unknown audit action 'somehow_changed'"):
        event_record(subject=unit, action="somehow_changed")
    assert not ProjectEvent.objects.exists()


def test_a_mode_declares_its_own_actions():
    class Plugin(ModePlugin):
        mode = "test_mode"
        event_actions = {"plan_review": "方案审核"}

    unit = BudgetUnitFactory()
    register_mode(Plugin())
    try:
        event = event_record(subject=unit, action="plan_review", action_label="方案审核")
    finally:
        registry.pop("test_mode")
    assert event.action == "plan_review"
