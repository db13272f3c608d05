"""Extending a collecting batch project's response deadline (issue 7 point 13).

A deadline change is a service (``procurement.services.collection.response_deadline_extend``): only while collecting
and before the deadline, only by the organizing center, only later and in the future, with a reason. It
writes the event, publishes a 更正公告 correcting the solicitation notice, tells every eligible unit (in-app
and e-mail, the new deadline, a link to file) and moves ``next_check``: the sweep closes the window at the
new deadline and the 3/1-working-day reminders count down to it. Offered on the center's project page, in
the admin and over the API.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from batch.models import BatchProject
from batch.projects import batch_solicitation_publish
from notices.models import Notice
from procurement import deadlines
from procurement.models import Notification, Project, ProjectEvent, Reminder
from procurement.services.collection import collection_close, response_deadline_extend
from procurement.services.collection_deadlines import COLLECTION_DEADLINES
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.reminders import sweep_due_deadlines
from tests.batch.test_projects import api_for, batch_world, open_project
from tests.factories import CenterFactory, member_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_loaded")]

UNITS = {"吉林省教育厅", "长春市第一中学", "南关区人民医院", "吉林市第二实验小学"}
REASON = "应部分单位申请，为便于各单位核实采购需求"
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


@pytest.fixture
def world(world):
    return batch_world(world)


@pytest.fixture
def published(world):
    """A project collecting for ten more days, its solicitation notice published, the opening's messages sent."""
    project = open_project(world, response_deadline=_minute(timezone.now() + timedelta(days=10)))
    batch_solicitation_publish(project=project, actor=world.center_user)
    sweep_due_deadlines(now=timezone.now())
    mail.outbox.clear()
    return BatchProject.objects.get(pk=project.pk)


def _minute(moment):
    return moment.replace(second=0, microsecond=0)


def when(moment) -> str:
    return f"{timezone.localtime(moment):%Y年%m月%d日 %H:%M}"


def extend(project, world, *, days: int = 7, reason: str = REASON, actor=None):
    new_deadline = project.response_deadline + timedelta(days=days)
    return response_deadline_extend(project=project, new_deadline=new_deadline, reason=reason,
                                          actor=actor or world.center_user)


def unchanged(project) -> bool:
    """Nothing of a refused extension was kept: the deadline, no event, no correction notice, no message."""
    fresh = BatchProject.objects.get(pk=project.pk)
    return (fresh.response_deadline == project.response_deadline
            and not ProjectEvent.objects.filter(project=project, action="extend_response_deadline").exists()
            and not Notice.objects.filter(project=project, type=Notice.Type.CORRECTION).exists()
            and not Notification.objects.filter(reminder__kind="collection_extended").exists())


# --- the service ---------------------------------------------------------------------------------

def test_an_extension_writes_the_event_publishes_the_correction_and_tells_every_unit(
        world, published, django_capture_on_commit_callbacks):
    old = published.response_deadline
    new = old + timedelta(days=7)
    original = Notice.objects.get(project=published, type=Notice.Type.SOLICITATION)

    with django_capture_on_commit_callbacks(execute=True):
        extended = response_deadline_extend(project=published, new_deadline=new, reason=f"  {REASON}  ",
                                                  actor=world.center_user)

    assert BatchProject.objects.get(pk=published.pk).response_deadline == new == extended.response_deadline
    # The event: who, the old and the new deadline, the reason.
    event = ProjectEvent.objects.get(project=published, action="extend_response_deadline")
    assert event.actor == world.center_user and event.actor_organization == world.center
    assert event.action_label == "延长需求响应截止时间" and event.note == REASON
    assert event.changes["response_deadline"] == [old.isoformat(), new.isoformat()]
    # The 更正公告: which notice it corrects, the original and the new deadline, the reason.
    correction = Notice.objects.get(project=published, type=Notice.Type.CORRECTION)
    assert event.changes["correction_notice_id"] == correction.pk
    assert event.changes["corrected_notice_id"] == original.pk
    assert correction.title == "吉林省政府采购中心关于征集2026年第二季度台式计算机批量集中采购计划的更正公告"
    assert correction.publisher == world.center and correction.region == published.scope_region
    for expected in (f"原公告名称：{original.title}", f"《{original.title}》", published.code,
                     f"需求响应截止时间由{when(old)}更正为{when(new)}", f"更正理由：{REASON}", "原公告其他内容不变"):
        assert expected in correction.body, expected
    assert ProjectEvent.objects.filter(project=published, action="notice_publish",
                                       changes__notice_id=correction.pk).exists()
    # Every eligible unit is told at once (in-app and e-mail), with the new deadline and a link to file.
    told = Notification.objects.filter(reminder__kind="collection_extended")
    assert set(told.values_list("organization__name", flat=True)) == UNITS
    message = told.get(organization=world.units["changchun"])
    assert message.title == f"需求响应截止时间延长：「{published.title}」延长至{when(new)}"
    assert f"由{when(old)}延长至{when(new)}" in message.body and REASON in message.body and "更正公告" in message.body
    assert message.url == reverse("unit-sub-plan-file", args=[published.pk])
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"{key}@example.gov.cn" for key in world.units)
    assert all(f"/unit/projects/{published.pk}/file/" in m.body for m in mail.outbox)
    # next_check moves on to what the new deadline brings (the next reminder round).
    first_round = deadlines.start_of_day(deadlines.subtract_working_days(timezone.localdate(new), 3))
    assert BatchProject.objects.get(pk=published.pk).next_check == first_round


@pytest.mark.parametrize(("case", "message", "field"), [
    ("shorter", "只能延长截止时间：新的截止时间必须晚于原截止时间", "new_deadline"),
    ("same", "只能延长截止时间", "new_deadline"),
    ("past", "新的截止时间必须晚于当前时间", "new_deadline"),
    ("missing", "请填写新的需求响应截止时间", "new_deadline"),
    ("no reason", "请填写延长截止时间的原因", "reason"),
    ("blank reason", "请填写延长截止时间的原因", "reason"),
    ("long reason", "延长原因不能超过500字", "reason"),
])
def test_a_wrong_new_deadline_or_reason_is_refused_on_its_field_and_changes_nothing(world, published, case, message,
                                                                                     field):
    """Extend only (a later moment, in the future), with a reason: each refusal says what and where."""
    old = published.response_deadline
    new_deadline, reason = {
        "shorter": (old - timedelta(days=2), REASON),
        "same": (old, REASON),
        "past": (timezone.now() - timedelta(minutes=5), REASON),
        "missing": (None, REASON),
        "no reason": (old + timedelta(days=3), ""),
        "blank reason": (old + timedelta(days=3), " \n "),
        "long reason": (old + timedelta(days=3), "理" * 501),
    }[case]
    with pytest.raises(ServiceError, match=message) as refused:
        response_deadline_extend(project=published, new_deadline=new_deadline, reason=reason,
                                       actor=world.center_user)
    assert refused.value.field == field
    assert unchanged(published)


def test_a_project_no_longer_collecting_is_refused(world, published):
    BatchProject.objects.filter(pk=published.pk).update(response_opens_at=timezone.now() - timedelta(days=20),
                                                        response_deadline=timezone.now() - timedelta(minutes=1))
    # Past its deadline, not yet closed by the sweep: too late already.
    with pytest.raises(TransitionRefused, match="截止后不能再延长"):
        extend(BatchProject.objects.get(pk=published.pk), world)
    closed = collection_close(project=published)
    with pytest.raises(TransitionRefused, match="「需求已汇总」，只有需求征集中的项目可以延长") as refused:
        response_deadline_extend(project=closed, new_deadline=timezone.now() + timedelta(days=3),
                                       reason=REASON, actor=world.center_user)
    assert refused.value.status_code == 409
    assert not ProjectEvent.objects.filter(project=published, action="extend_response_deadline").exists()


def test_only_the_organizing_center_extends(world, published):
    other_center = member_of(CenterFactory(name="长春市政府采购中心", region=world.changchun))
    viewer = member_of(world.center, role="viewer")
    for actor in (other_center, viewer, world.clerks["changchun"]):
        with pytest.raises(PermissionDenied, match="只有组织该项目的采购中心"):
            extend(published, world, actor=actor)
    assert unchanged(published)


def test_without_a_published_solicitation_there_is_nothing_to_correct(world, django_capture_on_commit_callbacks):
    """The solicitation notice not yet published: no 更正公告 (the notice published later carries the new
    deadline); the event and the units' message still go."""
    project = open_project(world)
    with django_capture_on_commit_callbacks(execute=True):
        extended = extend(project, world)

    assert not Notice.objects.filter(project=project).exists()
    event = ProjectEvent.objects.get(project=project, action="extend_response_deadline")
    assert event.changes["correction_notice_id"] is None
    message = Notification.objects.filter(reminder__kind="collection_extended").first()
    assert message is not None and "更正公告" not in message.body
    notice = batch_solicitation_publish(project=extended, actor=world.center_user)
    assert when(extended.response_deadline) in notice.body


def test_two_extensions_before_a_sweep_tell_only_the_latest(world, published, django_capture_on_commit_callbacks):
    """Each message round lasts until the next: a unit is not told a deadline that has been extended again."""
    first = extend(published, world, days=3)
    second = extend(first, world, days=4)
    with django_capture_on_commit_callbacks(execute=True):
        sweep_due_deadlines(now=timezone.now())

    told = Notification.objects.filter(reminder__kind="collection_extended")
    assert told.count() == 4
    assert all(f"延长至{when(second.response_deadline)}" in n.title for n in told)
    assert len(ProjectEvent.objects.filter(project=published, action="extend_response_deadline")) == 2
    assert Notice.objects.filter(project=published, type=Notice.Type.CORRECTION).count() == 2


# --- the sweep follows the new deadline ---------------------------------------------------------------

def test_the_sweep_closes_the_window_at_the_new_deadline_not_the_old(world):
    """Real clock: the old deadline passes and the window stays open; at the new one the sweep closes it."""
    project = open_project(world, response_deadline=timezone.now() + timedelta(seconds=2))
    sweep_due_deadlines(now=timezone.now())
    assert BatchProject.objects.get(pk=project.pk).next_check == project.response_deadline
    extended = response_deadline_extend(project=project, new_deadline=timezone.now() + timedelta(seconds=4),
                                              reason=REASON, actor=world.center_user)
    sweep_due_deadlines(now=timezone.now())  # the extension's message
    assert BatchProject.objects.get(pk=project.pk).next_check == extended.response_deadline

    time.sleep(max(0.0, (project.response_deadline - timezone.now()).total_seconds()) + 0.2)
    sweep_due_deadlines(now=timezone.now())
    assert BatchProject.objects.get(pk=project.pk).status == Project.Status.COLLECTING

    time.sleep(max(0.0, (extended.response_deadline - timezone.now()).total_seconds()) + 0.2)
    sweep_due_deadlines(now=timezone.now())
    closed = BatchProject.objects.get(pk=project.pk)
    assert closed.status == Project.Status.AGGREGATED and closed.next_check is None
    assert ProjectEvent.objects.get(project=project, action="close_collection").actor is None


def _reminded_by_the_old_date(world, *, old_deadline):
    """A window opened days ago whose 1-working-day reminder is due now, swept: the units are reminded."""
    project = open_project(world, response_deadline=old_deadline)
    BatchProject.objects.filter(pk=project.pk).update(response_opens_at=timezone.now() - timedelta(days=8))
    project = BatchProject.objects.get(pk=project.pk)
    COLLECTION_DEADLINES.store_next_check(project, COLLECTION_DEADLINES.first_check(project))
    sweep_due_deadlines(now=timezone.now())
    assert Reminder.objects.filter(kind="sub_plan_due_in_1").count() == 4
    return project


def _next_working_day_at(hour: int):
    day = deadlines.add_working_days(timezone.localdate(), 1)
    return deadlines.start_of_day(day) + timedelta(hours=hour)


def test_a_unit_reminded_before_the_old_day_is_reminded_again_before_the_new_day(world):
    """The rule is 3 and 1 working days before *the* deadline, and the 更正公告 makes the new one the deadline:
    after an extension to a later day the reminders count down to it (key: the deadline's day)."""
    project = _reminded_by_the_old_date(world, old_deadline=_next_working_day_at(17))
    new = deadlines.start_of_day(deadlines.add_working_days(timezone.localdate(), 8)) + timedelta(hours=17)
    extended = response_deadline_extend(project=project, new_deadline=new, reason=REASON,
                                              actor=world.center_user)
    sweep_due_deadlines(now=timezone.now())  # the extension's message, nothing more yet
    assert Reminder.objects.filter(kind="sub_plan_due_in_1").count() == 4

    one_day_before = deadlines.start_of_day(deadlines.subtract_working_days(timezone.localdate(new), 1))
    sweep_due_deadlines(now=one_day_before - timedelta(minutes=1))
    assert Reminder.objects.filter(kind="sub_plan_due_in_1").count() == 4
    sweep_due_deadlines(now=one_day_before)
    again = Reminder.objects.filter(kind="sub_plan_due_in_1", key__endswith=timezone.localdate(new).isoformat())
    assert again.count() == 4
    assert all(when(extended.response_deadline) in n.body for n in Notification.objects.filter(reminder__in=again))


def test_an_extension_within_the_same_day_sends_no_second_reminder(world):
    """The deadline's day is unchanged: the 1-day reminder already told that day, the extension's message tells
    the new time; no second reminder."""
    project = _reminded_by_the_old_date(world, old_deadline=_next_working_day_at(15))
    response_deadline_extend(project=project, new_deadline=project.response_deadline + timedelta(hours=2),
                                   reason=REASON, actor=world.center_user)
    counts = sweep_due_deadlines(now=timezone.now())
    assert Reminder.objects.filter(kind="collection_extended").count() == 4
    assert Reminder.objects.filter(kind="sub_plan_due_in_1").count() == 4 and counts["duplicates"] == 0


# --- the center's project page -------------------------------------------------------------------------

def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_center_extends_from_the_project_page(world, published, client):
    client.force_login(world.center_user)
    detail = html(client.get(reverse("batch:project-detail", args=[published.pk])))
    url = reverse("batch:project-extend", args=[published.pk])
    assert f'href="{url}"' in detail and "延长截止时间" in detail

    page = html(client.get(url))
    assert "新的需求响应截止时间" in page and "延长原因" in page and "延长并发布更正公告" in page
    new = timezone.localtime(published.response_deadline + timedelta(days=5))
    response = client.post(url, {"new_deadline": new.strftime(DATETIME_LOCAL), "reason": REASON}, follow=True)

    page = html(response)
    assert f"需求响应截止时间已延长至{new:%Y-%m-%d %H:%M}，更正公告已发布" in page
    assert BatchProject.objects.get(pk=published.pk).response_deadline == new
    correction = Notice.objects.get(project=published, type=Notice.Type.CORRECTION)
    assert reverse("notices:detail", args=[correction.pk]) in page  # listed on the project's facts


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"new_deadline": "", "reason": REASON}, "new_deadline", "请填写新的需求响应截止时间"),
    ({"new_deadline": "明天", "reason": REASON}, "new_deadline", "新的截止时间格式不正确"),
    ({"new_deadline": "SHORTER", "reason": REASON}, "new_deadline", "只能延长截止时间"),
    ({"new_deadline": "LATER", "reason": ""}, "reason", "请填写延长截止时间的原因"),
])
def test_the_page_shows_each_refusal_on_its_field_in_chinese(world, published, client, data, field, message):
    client.force_login(world.center_user)
    moments = {"SHORTER": published.response_deadline - timedelta(days=1),
               "LATER": published.response_deadline + timedelta(days=1)}
    if data["new_deadline"] in moments:
        data = {**data, "new_deadline": timezone.localtime(moments[data["new_deadline"]]).strftime(DATETIME_LOCAL)}

    response = client.post(reverse("batch:project-extend", args=[published.pk]), data)

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field]), response.context["form"].errors
    assert message in response.content.decode()
    assert unchanged(published)


def test_the_page_refuses_another_center_a_unit_and_a_closed_project(world, published, client):
    url = reverse("batch:project-extend", args=[published.pk])
    client.force_login(member_of(CenterFactory(name="长春市政府采购中心")))
    assert client.get(url).status_code == 404
    assert client.post(url, {"new_deadline": "2030-01-01T10:00", "reason": REASON}).status_code == 404
    client.force_login(world.clerks["changchun"])
    assert client.post(url, {"new_deadline": "2030-01-01T10:00", "reason": REASON}).status_code == 403
    assert unchanged(published)

    BatchProject.objects.filter(pk=published.pk).update(response_opens_at=timezone.now() - timedelta(days=20),
                                                        response_deadline=timezone.now() - timedelta(minutes=1))
    collection_close(project=published)
    client.force_login(world.center_user)
    page = html(client.get(url))
    assert "只有需求征集中的项目可以延长需求响应截止时间" in page and 'data-testid="extend-form"' not in page
    assert "延长截止时间</a>" not in html(client.get(reverse("batch:project-detail", args=[published.pk])))


# --- over the API ---------------------------------------------------------------------------------------

def test_the_api_extends_and_refuses_in_chinese(world, published):
    url = f"/api/v1/batch/projects/{published.pk}/extend-deadline/"
    api = api_for(world.center_user)
    shorter = (published.response_deadline - timedelta(days=1)).isoformat()
    refused = api.post(url, {"new_deadline": shorter, "reason": REASON}, format="json")
    assert refused.status_code == 400 and "只能延长截止时间" in refused.json()["new_deadline"][0]
    assert api.post(url, {"new_deadline": shorter}, format="json").json()["reason"] == ["该字段是必填项。"]
    assert unchanged(published)

    new = published.response_deadline + timedelta(days=5)
    response = api.post(url, {"new_deadline": new.isoformat(), "reason": REASON}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["response_deadline"] == timezone.localtime(new).isoformat()
    assert Notice.objects.filter(project=published, type=Notice.Type.CORRECTION).count() == 1

    stranger = api_for(member_of(CenterFactory(name="长春市政府采购中心")))
    assert stranger.post(url, {"new_deadline": (new + timedelta(days=1)).isoformat(), "reason": REASON},
                         format="json").status_code == 404
    unit = api_for(world.clerks["changchun"]).post(url, {"new_deadline": (new + timedelta(days=1)).isoformat(),
                                                         "reason": REASON}, format="json")
    assert unit.status_code == 403 and "只有组织该项目的采购中心" in unit.json()["detail"]


def test_the_api_answers_409_once_the_window_is_closed(world, published):
    BatchProject.objects.filter(pk=published.pk).update(response_opens_at=timezone.now() - timedelta(days=20),
                                                        response_deadline=timezone.now() - timedelta(minutes=1))
    collection_close(project=published)
    response = api_for(world.center_user).post(f"/api/v1/batch/projects/{published.pk}/extend-deadline/", {
        "new_deadline": (timezone.now() + timedelta(days=3)).isoformat(), "reason": REASON}, format="json")
    assert response.status_code == 409 and "只有需求征集中的项目" in response.json()["detail"]


# --- the admin ------------------------------------------------------------------------------------------

def _operator(center, username: str):
    from procurement.services.demo import center_group_ensure

    operator = member_of(center, username=username, is_staff=True)
    operator.groups.add(center_group_ensure())
    return operator


def test_the_admin_page_is_read_only_and_offers_the_extension(world, published, admin_client):
    """Issue 7 point 13 in the admin: the project's page changes nothing (403 on POST, superuser included);
    its 延长需求响应截止时间 button leads to the same form and service as the portal."""
    change = reverse("admin:batch_batchproject_change", args=[published.pk])
    extend_url = reverse("admin:batch_batchproject_extend_deadline", args=[published.pk])
    page = html(admin_client.get(change))
    assert f'href="{extend_url}"' in page and "_save" not in page
    assert admin_client.post(change, {"title": "改过的项目"}).status_code == 403
    assert BatchProject.objects.get(pk=published.pk).title == published.title

    form = html(admin_client.get(extend_url))
    assert "新的需求响应截止时间" in form
    deadline = timezone.localtime(published.response_deadline)
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日 {deadline:%H:%M}" in form
    shorter = timezone.localtime(published.response_deadline - timedelta(days=1)).strftime(DATETIME_LOCAL)
    refused = admin_client.post(extend_url, {"new_deadline": shorter, "reason": REASON})
    assert refused.status_code == 200 and "只能延长截止时间" in refused.content.decode()
    assert unchanged(published)

    new = timezone.localtime(published.response_deadline + timedelta(days=4))
    done = admin_client.post(extend_url, {"new_deadline": new.strftime(DATETIME_LOCAL), "reason": REASON}, follow=True)
    assert done.redirect_chain[-1][0] == change
    assert f"需求响应截止时间已延长至{new:%Y-%m-%d %H:%M}，更正公告已发布" in html(done)
    assert BatchProject.objects.get(pk=published.pk).response_deadline == new
    event = ProjectEvent.objects.get(project=published, action="extend_response_deadline")
    assert event.actor.username == "admin"


def test_a_center_operator_extends_its_own_project_in_the_admin_and_no_other(world, published, client):
    extend_url = reverse("admin:batch_batchproject_extend_deadline", args=[published.pk])
    new = timezone.localtime(published.response_deadline + timedelta(days=2)).strftime(DATETIME_LOCAL)
    client.force_login(_operator(CenterFactory(name="长春市政府采购中心"), "other_op"))
    response = client.post(extend_url, {"new_deadline": new, "reason": REASON})
    assert response.status_code == 302 and response.url == reverse("admin:index")
    assert unchanged(published)

    client.force_login(_operator(world.center, "center_op"))
    response = client.post(extend_url, {"new_deadline": new, "reason": REASON})
    assert response.status_code == 302
    assert ProjectEvent.objects.get(project=published, action="extend_response_deadline").actor.username == "center_op"
