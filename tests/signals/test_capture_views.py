"""The quick-capture phone page: paste, pre-filled record, one-tap save."""

import pytest
from django.urls import reverse

from salespulse.accounts.models import Role
from salespulse.crm.models import ActionType, Interaction, Lead
from salespulse.signals.models import CaptureDraft, CaptureStatus
from tests.factories import ContactFactory, CustomerFactory, UserFactory, make_opportunity

pytestmark = pytest.mark.django_db

SNIPPET = "张主任 10:32\n预算已经批下来了，下周三可以签合同"


@pytest.fixture
def rep():
    return UserFactory(username="rep.road")


@pytest.fixture
def hospital(rep):
    customer = CustomerFactory(name="江南医院", owner=rep)
    ContactFactory(customer=customer, name="张主任")
    return customer


def _confirm_data(draft, client, **changes):
    """The pre-filled form's values, as the browser would post them."""
    page = client.get(reverse("signals:capture_confirm", args=[draft.pk]))
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {key: ("" if value is None else value) for key, value in data.items()}
    data["occurred_at"] = form["occurred_at"].value().strftime("%Y-%m-%dT%H:%M")
    data.update(changes)
    return data


def test_capture_page_prefills_shared_text(client, rep):
    client.force_login(rep)

    response = client.get(reverse("signals:capture"), {"text": "王喆 09:00\n你好"})

    assert response.status_code == 200
    assert "王喆 09:00\n你好" in response.content.decode()


def test_pasting_redirects_to_the_prefilled_record(client, rep, hospital):
    deal = make_opportunity(owner=rep, customer=hospital)
    client.force_login(rep)

    response = client.post(reverse("signals:capture"), {"text": SNIPPET})

    draft = CaptureDraft.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("signals:capture_confirm", args=[draft.pk])
    page = client.get(response["Location"])
    form = page.context["form"]
    assert form.initial["customer"] == hospital.pk
    assert form.initial["opportunity"] == deal.pk
    assert form.initial["nickname"] == "张主任"
    assert 'data-testid="nickname"' in page.content.decode()


def test_empty_paste_shows_the_error_in_chinese(client, rep):
    client.force_login(rep)

    response = client.post(reverse("signals:capture"), {"text": ""})

    assert response.status_code == 400
    assert "这个字段是必填项。" in response.content.decode()


def test_tapping_an_action_saves_the_record_with_that_action(client, rep, hospital):
    deal = make_opportunity(owner=rep, customer=hospital)
    client.force_login(rep)
    client.post(reverse("signals:capture"), {"text": SNIPPET})
    draft = CaptureDraft.objects.get()

    response = client.post(
        reverse("signals:capture_confirm", args=[draft.pk]), _confirm_data(draft, client, action="visit")
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("signals:capture")
    interaction = Interaction.objects.get()
    assert interaction.action_type == ActionType.VISIT
    assert interaction.opportunity == deal
    draft.refresh_from_db()
    assert draft.status == CaptureStatus.CONFIRMED


def test_clearing_the_customer_saves_a_pending_lead(client, rep, hospital):
    client.force_login(rep)
    client.post(reverse("signals:capture"), {"text": SNIPPET})
    draft = CaptureDraft.objects.get()

    client.post(
        reverse("signals:capture_confirm", args=[draft.pk]),
        _confirm_data(draft, client, customer="", opportunity="", action="message"),
    )

    assert Lead.objects.get().name == "张主任"


def test_objection_without_opportunity_shows_the_error_on_the_field(client, rep, hospital):
    client.force_login(rep)
    client.post(reverse("signals:capture"), {"text": SNIPPET})
    draft = CaptureDraft.objects.get()

    response = client.post(
        reverse("signals:capture_confirm", args=[draft.pk]),
        _confirm_data(draft, client, opportunity="", action="objection"),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["opportunity"] == ["客户异议记在商机上；请选择它涉及的商机。"]
    assert not Interaction.objects.exists()


def test_posting_a_customer_the_rep_may_not_see_is_refused_by_the_form(client, rep, hospital):
    stranger = CustomerFactory(name="远方医院")
    client.force_login(rep)
    client.post(reverse("signals:capture"), {"text": SNIPPET})
    draft = CaptureDraft.objects.get()

    response = client.post(
        reverse("signals:capture_confirm", args=[draft.pk]),
        _confirm_data(draft, client, customer=str(stranger.pk), opportunity="", action="message"),
    )

    assert response.status_code == 400
    assert "customer" in response.context["form"].errors
    assert not Interaction.objects.exists()


def test_another_users_draft_is_404(client, rep, hospital):
    client.force_login(rep)
    client.post(reverse("signals:capture"), {"text": SNIPPET})
    draft = CaptureDraft.objects.get()
    client.force_login(UserFactory(team=rep.team))

    assert client.get(reverse("signals:capture_confirm", args=[draft.pk])).status_code == 404


def test_finance_gets_a_403_page(client):
    client.force_login(UserFactory(role=Role.FINANCE, team=None))

    response = client.post(reverse("signals:capture"), {"text": SNIPPET})

    assert response.status_code == 403
    assert not CaptureDraft.objects.exists()
