"""753号 steps 5–6 for a volume project: the agency runs the award through the core, the lead confirms the result,
each participant's contract (one per participant and supplier, its items at the award prices), no refusal to sign
(753号 四(三)), the lead's board, finance of the participants' regions, and the core's doors opened to the lead."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from notices.models import Notice
from procurement import deadlines
from procurement.models import Award, Contract, ContractLine, Filing, Project
from procurement.services.collection import master_plan_confirm
from procurement.services.contracts import contract_terminate
from procurement.services.errors import ServiceError, TransitionRefused
from procurement.services.execution import contracts_generate, lot_award
from tests.volume.factories_execution import volume_awarded, volume_confirmed
from volume.models import VolumeDetails
from volume.services.execution import result_confirm
from volume.views.execution import hub_context

pytestmark = pytest.mark.usefixtures("calendar_loaded")
Status = Project.Status


def three_items(world):
    """Items 1 and 2 won by the small supplier, item 3 by the large one; Changchun's school answers all three,
    Nanguan's hospital item 1 only, Jilin city's school items 2 and 3."""
    units = [world.prefecture_unit, world.county_unit, world.other_prefecture_unit]
    project = volume_confirmed(world, participants=units, lots=3, responses={
        world.prefecture_unit: [(1, "10"), (2, "4"), (3, "2")],
        world.county_unit: [(1, "5")],
        world.other_prefecture_unit: [(2, "3"), (3, "7")],
    })
    volume_awarded(world, project, suppliers={1: (world.supplier, "4500.00"), 2: (world.supplier, "3200.50"),
                                              3: (world.large_supplier, "4400.00")})
    project.refresh_from_db()
    return project


def confirmed_with_contracts(world):
    project = three_items(world)
    lead = world.user(world.province_unit)
    result_confirm(project=project, actor=lead)
    contracts_generate(project=project, actor=lead)
    return project


def test_the_agency_awards_through_the_core_and_the_lead_confirms(world):
    """753号 第5步: the entrusted agency records the award per item through the core's services; the award notice is
    published and filed; the lead confirms the result (an event; participants and agency told)."""
    project = three_items(world)
    assert project.status == Status.AWARDED
    assert project.award_notice is not None and project.award_notice.type == Notice.Type.AWARD
    assert Filing.objects.filter(project=project, kind=Filing.Kind.AWARD).count() == 1

    details = result_confirm(project=project, actor=world.user(world.province_unit))

    assert details.result_confirmed_at is not None
    assert details.result_confirmed_by == world.user(world.province_unit)
    assert project.events.filter(action="volume_result_confirm").count() == 1
    with pytest.raises(TransitionRefused):
        result_confirm(project=project, actor=world.user(world.province_unit))


def test_only_the_lead_confirms_and_only_an_awarded_project(world):
    project = volume_confirmed(world, participants=[world.prefecture_unit])
    with pytest.raises(TransitionRefused):
        result_confirm(project=project, actor=world.user(world.province_unit))
    volume_awarded(world, project, suppliers={1: (world.supplier, "4500.00"), 2: (world.supplier, "4000.00")})
    for who in (world.agency, world.prefecture_unit, world.finance):
        with pytest.raises(PermissionDenied):
            result_confirm(project=project, actor=world.user(who))
    assert VolumeDetails.objects.get(project=project).result_confirmed_at is None


def test_contracts_wait_for_the_leads_confirmation(world):
    """753号 三、第6步: 中标（成交）结果确认后, each participant signs; generation before the lead's confirmation is
    refused and makes nothing."""
    project = three_items(world)
    with pytest.raises(TransitionRefused, match="牵头单位确认"):
        contracts_generate(project=project, actor=world.user(world.agency))
    assert not Contract.objects.filter(project=project).exists()


def test_one_contract_per_participant_and_supplier_with_its_items_at_the_award_prices(world):
    """753号 第6步: each participant's contract holds exactly its response's items at the award prices; a participant
    whose items went to two suppliers gets two contracts; the amount is the sum of the lines."""
    project = confirmed_with_contracts(world)
    contracts = Contract.objects.filter(project=project).prefetch_related("lines")
    found = {(c.buyer_id, c.supplier_id): c for c in contracts}
    assert set(found) == {
        (world.prefecture_unit.pk, world.supplier.pk), (world.prefecture_unit.pk, world.large_supplier.pk),
        (world.county_unit.pk, world.supplier.pk),
        (world.other_prefecture_unit.pk, world.supplier.pk), (world.other_prefecture_unit.pk, world.large_supplier.pk),
    }
    changchun = found[(world.prefecture_unit.pk, world.supplier.pk)]
    lines = [(line.lot.number, line.quantity, line.unit_price_yuan, line.amount_yuan) for line in changchun.lines.all()]
    assert lines == [(1, Decimal("10.00"), Decimal("4500.00"), Decimal("45000.00")),
                     (2, Decimal("4.00"), Decimal("3200.50"), Decimal("12802.00"))]
    assert changchun.amount_yuan == Decimal("57802.00")
    for contract in contracts:
        assert contract.amount_yuan == sum(line.amount_yuan for line in contract.lines.all())
        for line in contract.lines.all():
            assert line.sub_plan.unit_id == contract.buyer_id
            assert line.quantity == line.sub_plan.quantity
            assert line.unit_price_yuan == line.lot.award.unit_price_yuan
    # Every frozen item is contracted exactly once; running it again makes nothing.
    assert ContractLine.objects.filter(contract__project=project).count() == 6
    assert contracts_generate(project=project, actor=world.user(world.province_unit)) == []


def test_a_participant_cannot_terminate_its_unsigned_contract_753_4_3(world):
    """吉财采购〔2024〕753号 四(三): 禁止不按规定同中标（成交）供应商签订采购合同 — the buyer's termination of its
    unsigned volume contract is refused, and the contract stays as it was."""
    project = confirmed_with_contracts(world)
    contract = Contract.objects.get(project=project, buyer=world.county_unit)
    with pytest.raises(ServiceError, match="753号 四\\(三\\)"):
        contract_terminate(contract=contract, actor=world.user(world.county_unit), reason="本单位不再需要")
    contract.refresh_from_db()
    assert contract.status == Contract.Status.DRAFT
    assert contract.lines.get().contract_live


def test_the_board_shows_days_elapsed_and_overdue_flags(world):
    """The lead's board: an unsigned contract with the days since the award notice, flagged once the 30 days
    (《政府采购法》第四十六条) have passed; a signed one not published within 2 working days is flagged too."""
    project = confirmed_with_contracts(world)
    long_ago = deadlines.today() - timedelta(days=40)
    Award.objects.filter(project=project).update(awarded_on=long_ago)
    Notice.objects.filter(pk=project.award_notice_id).update(published_at=project.award_notice.published_at
                                                             - timedelta(days=40))
    signed = Contract.objects.get(project=project, buyer=world.county_unit)
    Contract.objects.filter(pk=signed.pk).update(status=Contract.Status.SIGNED, signed_on=long_ago,
                                                 publish_due=long_ago + timedelta(days=2),
                                                 filing_due=long_ago + timedelta(days=9))

    page = world.client_for(world.province_unit).get(reverse("volume:execution", args=[project.pk]))

    assert page.status_code == 200
    rows = {row.contract.pk: row for row in page.context["board"].rows}
    unsigned = rows[Contract.objects.filter(project=project, buyer=world.prefecture_unit).first().pk]
    assert unsigned.days_elapsed == 40 and unsigned.signing_overdue
    assert rows[signed.pk].days_elapsed is None
    assert rows[signed.pk].publish_overdue and rows[signed.pk].filing_overdue
    assert "已40日" in page.content.decode()
    assert page.context["board"].unsigned == 4


def test_finance_of_a_participants_region_sees_its_row_and_another_region_does_not(world):
    """753号 四(三) with issue 10 point 4: finance of the participant's region sees its unsigned contract (board and
    home), finance of another region does not."""
    project = confirmed_with_contracts(world)
    changchun_finance = world.city_finance  # Changchun: its school and Nanguan district's hospital

    page = world.client_for(changchun_finance).get(reverse("volume:execution", args=[project.pk]))

    assert page.status_code == 200
    buyers = {row.contract.buyer_id for row in page.context["board"].rows}
    assert buyers == {world.prefecture_unit.pk, world.county_unit.pk}
    assert world.other_prefecture_unit.name not in page.content.decode()
    assert "确认采购结果" not in page.content.decode()

    home = world.client_for(changchun_finance).get(reverse("finance-home")).content.decode()
    assert "集中带量采购未签订的分签合同" in home
    assert world.county_unit.name in home and world.other_prefecture_unit.name not in home


def test_the_execution_page_is_the_leads_and_the_agencys_not_a_participants(world):
    project = three_items(world)
    lead = world.client_for(world.province_unit)
    url = reverse("volume:execution", args=[project.pk])
    page = lead.get(url)
    assert page.status_code == 200 and page.context["can_confirm"]
    assert world.client_for(world.agency).get(url).status_code == 200
    assert world.client_for(world.prefecture_unit).get(url).status_code == 404
    assert world.client_for(world.supplier).get(url).status_code == 403

    # The agency cannot confirm (the lead's step); the lead confirms, then generates from the same page.
    confirm = reverse("volume:execution-confirm", args=[project.pk])
    assert world.client_for(world.agency).post(confirm).status_code == 403
    lead.post(reverse("volume:execution-confirm", args=[project.pk]))
    assert VolumeDetails.objects.get(project=project).result_confirmed_at is not None
    assert lead.get(reverse("volume:execution", args=[project.pk])).context["can_generate"]
    lead.post(reverse("volume:execution-generate", args=[project.pk]))
    assert Contract.objects.filter(project=project).count() == 5


def test_the_leads_hub_section_shows_the_award_and_the_board(world):
    project = confirmed_with_contracts(world)
    request = RequestFactory().get("/")
    request.user = world.user(world.province_unit)
    html = render_to_string("volume/projects/_section_execution.html",
                            {"project": project, **hub_context(request, project)}, request=request)
    assert "牵头单位已确认结果" in html and world.large_supplier.name in html and "未签订" in html


def test_the_lead_passes_the_core_pages_and_api_for_its_project_and_not_anothers(world):
    """The core's execution doors open to a budget unit that runs a project (the lead): its own project's workspace,
    board and API; another lead's project answers 404."""
    project = three_items(world)
    other = volume_confirmed(world, participants=[world.county_unit], lots=1)
    Project.objects.filter(pk=other.pk).update(organizer=world.prefecture_unit)
    lead = world.client_for(world.province_unit)
    assert lead.get(reverse("award-project", args=[project.pk])).status_code == 200
    assert lead.get(reverse("award-signing-board", args=[project.pk])).status_code == 200
    assert lead.get(reverse("award-project", args=[other.pk])).status_code == 404
    # The collection pages too (its master plan, its export); another's project answers 404.
    assert lead.get(reverse("collection-export", args=[project.pk])).status_code == 200
    assert lead.get(reverse("collection-export", args=[other.pk])).status_code == 404
    api = world.api_for(world.province_unit)
    assert api.get(reverse("api-v1:award-detail", args=[project.pk])).status_code == 200
    assert api.get(reverse("api-v1:award-detail", args=[other.pk])).status_code == 404
    assert [row["id"] for row in api.get(reverse("api-v1:award-list")).json()["results"]] == [project.pk]
    # Through the core's API the lead confirms first, then generates.
    result_confirm(project=project, actor=world.user(world.province_unit))
    response = api.post(reverse("api-v1:award-generate-contracts", args=[project.pk]), format="json")
    assert response.status_code == 201, response.content
    assert Contract.objects.filter(project=project).count() == 5


def test_a_budget_unit_running_nothing_still_sees_nothing(world):
    project = three_items(world)
    participant = world.client_for(world.prefecture_unit)
    assert participant.get(reverse("award-project", args=[project.pk])).status_code == 404
    assert project.code not in participant.get(reverse("award-project-list")).content.decode()
    api = world.api_for(world.prefecture_unit)
    assert api.get(reverse("api-v1:award-list")).json()["count"] == 0
    assert api.post(reverse("api-v1:award-generate-contracts", args=[project.pk]), format="json").status_code == 404


def test_the_agency_runs_the_execution_steps_not_the_collection_ones(world):
    """ENTRUSTED_STEPS: the entrusted agency awards (done above through the core) but does not confirm the master
    plan, the lead's step (《政府采购需求管理办法》第四条)."""
    project = volume_confirmed(world, participants=[world.prefecture_unit], lots=1)
    Project.objects.filter(pk=project.pk).update(status=Status.AGGREGATED)
    project.refresh_from_db()
    with pytest.raises(PermissionDenied):
        master_plan_confirm(project=project, actor=world.user(world.agency))
    project.refresh_from_db()
    assert project.status == Status.AGGREGATED
    response = world.client_for(world.agency).post(reverse("collection-confirm", args=[project.pk]))
    assert Project.objects.get(pk=project.pk).status == Status.AGGREGATED
    assert response.status_code in (302, 403, 404)
    # …and it does record an award once the lead's project is procuring.
    Project.objects.filter(pk=project.pk).update(status=Status.PROCURING)
    lot = project.lots.get()
    award = lot_award(project=project, lot=lot, supplier=world.supplier, unit_price_yuan=Decimal("4000.00"),
                      awarded_on=deadlines.today(), actor=world.user(world.agency))
    assert award.pk
