"""753号 steps 5–6 over the API: the lead's confirmation and board (``/api/v1/volume/executions/``) and each
participant's steps on its own volume contract (``/api/v1/volume/contracts/``): sign, the contract notice within 2
working days (《政府采购法实施条例》第五十条), filing, acceptance, payment."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notices.models import Notice
from procurement import deadlines
from procurement.models import Contract, Filing
from tests.volume.test_execution import confirmed_with_contracts, three_items
from volume.models import VolumeDetails

pytestmark = pytest.mark.usefixtures("calendar_loaded")


def pdf(name: str = "合同.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 signed contract", content_type="application/pdf")


def step(api, contract: Contract, name: str, data: dict, **kwargs):
    return api.post(reverse(f"volume-api:volume-contract-{name}", args=[contract.pk]), data, **kwargs)


def test_the_lead_confirms_over_the_api_and_reads_the_board(world):
    project = three_items(world)
    assert world.api_for(world.agency).post(
        reverse("volume-api:volume-execution-confirm", args=[project.pk])).status_code == 403
    assert world.api_for(world.prefecture_unit).post(
        reverse("volume-api:volume-execution-confirm", args=[project.pk])).status_code == 404
    api = world.api_for(world.province_unit)

    response = api.post(reverse("volume-api:volume-execution-confirm", args=[project.pk]))

    assert response.status_code == 200, response.content
    assert response.json()["result_confirmed_at"]
    assert VolumeDetails.objects.get(project=project).result_confirmed_at is not None
    assert [row["supplier"] for row in response.json()["awards"]] == [world.supplier.name, world.supplier.name,
                                                                      world.large_supplier.name]
    again = api.post(reverse("volume-api:volume-execution-confirm", args=[project.pk]))
    assert again.status_code == 409 and "已于" in again.json()["detail"]


def test_the_board_api_gives_finance_its_regions_rows_only(world):
    project = confirmed_with_contracts(world)
    lead = world.api_for(world.province_unit).get(reverse("volume-api:volume-execution-detail", args=[project.pk]))
    assert lead.status_code == 200
    assert len(lead.json()["contracts"]) == 5 and lead.json()["unsigned"] == 5
    assert all(row["days_elapsed"] == 0 for row in lead.json()["contracts"])

    finance = world.api_for(world.city_finance).get(reverse("volume-api:volume-execution-detail", args=[project.pk]))
    assert finance.status_code == 200
    assert {row["buyer"] for row in finance.json()["contracts"]} == {world.prefecture_unit.name,
                                                                     world.county_unit.name}
    assert world.api_for(world.supplier).get(
        reverse("volume-api:volume-execution-detail", args=[project.pk])).status_code == 403
    assert world.api_for(world.other_prefecture_unit).get(
        reverse("volume-api:volume-execution-detail", args=[project.pk])).status_code == 404


def test_a_participant_signs_publishes_files_accepts_and_pays_its_own_contract(world):
    """753号 第6步: each participant signs and files its own contract; the contract notice is published (Art. 50);
    then acceptance and payment, through the core's contract services."""
    project = confirmed_with_contracts(world)
    contract = Contract.objects.get(project=project, buyer=world.county_unit)
    api = world.api_for(world.county_unit)
    today = deadlines.today().isoformat()

    # Another participant cannot touch it.
    assert step(world.api_for(world.prefecture_unit), contract, "sign",
                {"signed_on": today, "signed_file": pdf()}, format="multipart").status_code == 404

    signed = step(api, contract, "sign", {"signed_on": today, "signed_file": pdf()}, format="multipart")
    assert signed.status_code == 200, signed.content
    assert signed.json()["status"] == "signed" and signed.json()["publish_due"]
    published = step(api, contract, "publish", {"published_on": today}, format="json")
    assert published.status_code == 200, published.content
    assert Notice.objects.filter(contract=contract, type=Notice.Type.CONTRACT).count() == 1
    assert step(api, contract, "file", {"filed_on": today}, format="json").status_code == 200
    assert Filing.objects.filter(kind=Filing.Kind.CONTRACT, subject_id=contract.pk,
                                 filed_by=world.county_unit).count() == 1
    assert step(api, contract, "accept", {"accepted_on": today, "note": "验收合格"}, format="json").status_code == 200
    paid = step(api, contract, "pay", {"paid_on": today, "amount_yuan": str(contract.amount_yuan)}, format="json")
    assert paid.status_code == 200, paid.content
    contract.refresh_from_db()
    assert contract.status == Contract.Status.PAID

    # The board now shows it paid, and the participant's own contract page (the core's) lists it.
    board = world.api_for(world.province_unit).get(reverse("volume-api:volume-execution-detail", args=[project.pk]))
    row = next(r for r in board.json()["contracts"] if r["contract_id"] == contract.pk)
    assert row["paid_on"] == today and row["days_elapsed"] is None
    assert contract.code in world.client_for(world.county_unit).get(reverse("unit-contract-list")).content.decode()


def test_a_participant_uses_the_cores_contract_pages_for_its_volume_contract(world):
    project = confirmed_with_contracts(world)
    contract = Contract.objects.get(project=project, buyer=world.county_unit)
    client = world.client_for(world.county_unit)
    assert client.get(reverse("unit-contract-detail", args=[contract.pk])).status_code == 200
    response = client.post(reverse("unit-contract-step", args=[contract.pk, "sign"]),
                           {"on": deadlines.today().isoformat(), "signed_file": pdf()})
    assert response.status_code in (200, 302)
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED
