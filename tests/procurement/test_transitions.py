"""The transition service: lock, permission, condition, save, event, after-commit side effects."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from procurement.models import AppendOnlyError, Project, ProjectEvent
from procurement.services.errors import TransitionRefused
from procurement.services.transitions import transition_run
from tests.factories import CenterFactory, LotFactory, ProjectFactory, SubPlanFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def center():
    return CenterFactory()


@pytest.fixture
def operator(center):
    return member_of(center)


def test_the_organizer_opens_collection_and_an_event_is_written(center, operator):
    project = ProjectFactory(organizer=center, status=Project.Status.DRAFT)
    LotFactory(project=project)
    done = transition_run(instance=project, name="open_collection", actor=operator, note="按季度征集")
    assert done.status == Project.Status.COLLECTING
    event = ProjectEvent.objects.get(subject_type="project", subject_id=project.pk)
    assert (event.action, event.source, event.target, event.actor, event.actor_organization) == (
        "open_collection", "draft", "collecting", operator, center)
    assert event.action_label == "发布征集"
    assert event.note == "按季度征集"


def test_someone_else_cannot_run_the_organizers_transition(center):
    project = ProjectFactory(organizer=center, status=Project.Status.DRAFT)
    LotFactory(project=project)
    stranger = member_of(CenterFactory())
    with pytest.raises(PermissionDenied, match="您无权执行「发布征集」"):
        transition_run(instance=project, name="open_collection", actor=stranger)
    project.refresh_from_db()
    assert project.status == Project.Status.DRAFT
    assert not ProjectEvent.objects.exists()


def test_a_failing_condition_is_explained_in_chinese(center, operator):
    project = ProjectFactory(organizer=center, status=Project.Status.DRAFT)
    with pytest.raises(TransitionRefused, match="不能执行「发布征集」：尚未设置采购包"):
        transition_run(instance=project, name="open_collection", actor=operator)


def test_a_forged_transition_from_the_wrong_state_changes_nothing(center, operator):
    project = ProjectFactory(organizer=center, status=Project.Status.COLLECTING)
    with pytest.raises(TransitionRefused, match="当前状态为「需求征集中」，不能执行「定标」"):
        transition_run(instance=project, name="record_award", actor=operator)
    with pytest.raises(TransitionRefused, match="不存在的操作"):
        transition_run(instance=project, name="delete", actor=operator)
    project.refresh_from_db()
    assert project.status == Project.Status.COLLECTING


def test_collection_closes_only_after_the_deadline(center, operator):
    project = ProjectFactory(organizer=center)
    with pytest.raises(TransitionRefused, match="需求响应尚未截止"):
        transition_run(instance=project, name="close_collection", actor=operator)
    Project.objects.filter(pk=project.pk).update(response_deadline=timezone.now() - timedelta(seconds=1))
    assert transition_run(instance=project, name="close_collection", actor=operator).status == "aggregated"


def test_a_terminated_project_cannot_be_terminated_again(center, operator):
    project = ProjectFactory(organizer=center)
    transition_run(instance=project, name="terminate", actor=operator)
    with pytest.raises(TransitionRefused, match="当前状态为「已终止」"):
        transition_run(instance=project, name="terminate", actor=operator)


def test_after_commit_callbacks_run_only_when_the_transaction_commits(
    center, operator, django_capture_on_commit_callbacks
):
    project = ProjectFactory(organizer=center)
    seen = []
    with django_capture_on_commit_callbacks(execute=True):
        transition_run(instance=project, name="terminate", actor=operator, after_commit=[seen.append])
    assert [p.pk for p in seen] == [project.pk]


def test_the_status_field_is_protected_from_direct_assignment():
    project = ProjectFactory()
    with pytest.raises(AttributeError):
        project.status = Project.Status.AWARDED


def test_the_event_log_is_append_only(center, operator):
    project = ProjectFactory(organizer=center)
    transition_run(instance=project, name="terminate", actor=operator)
    event = ProjectEvent.objects.get()
    event.note = "篡改"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        ProjectEvent.objects.all().update(note="篡改")
    with pytest.raises(AppendOnlyError):
        ProjectEvent.objects.all().delete()
    assert ProjectEvent.objects.get().note == ""


def test_confirming_the_master_plan_needs_submitted_sub_plans(center, operator):
    project = ProjectFactory(organizer=center, status=Project.Status.AGGREGATED)
    with pytest.raises(TransitionRefused, match="尚无已提交的分计划"):
        transition_run(instance=project, name="confirm_master_plan", actor=operator)
    SubPlanFactory(lot=LotFactory(project=project))
    assert transition_run(instance=project, name="confirm_master_plan", actor=operator).status == "confirmed"


def test_the_system_actor_may_close_a_window_and_is_recorded_without_a_user(center):
    from procurement.access import SYSTEM

    project = ProjectFactory(organizer=center, response_deadline=timezone.now() - timedelta(seconds=1),
                             response_opens_at=timezone.now() - timedelta(days=2))
    done = transition_run(instance=project, name="close_collection", actor=SYSTEM, note="需求响应截止，系统自动汇总")
    assert done.status == Project.Status.AGGREGATED
    event = ProjectEvent.objects.get(subject_type="project", subject_id=project.pk)
    assert event.actor is None and event.actor_organization is None
