"""The follow-up pages: list (mine, my team's, filters), a follow-up's page (trail, subject
named only if visible), setting one, acting in place with htmx, and the rules' pages."""

import datetime as dt

import pytest
from django.urls import reverse

from tawasul.activities.choices import Cadence, FollowUpStatus
from tawasul.activities.followups_rules import follow_up_rule_save
from tawasul.activities.followups_services import follow_up_create
from tawasul.activities.models import FollowUp, FollowUpRule
from tawasul.core import clock

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


def _set(org, due, *, actor=None, assignee=None, record=None, purpose="Ask about the order"):
    return follow_up_create(
        actor=actor or org.lead.user,
        assignee=assignee or org.rep1,
        due_at=due,
        purpose=purpose,
        channel="call",
        record=record if record is not None else org.acme,
    )


def _client(client, employee):
    client.force_login(employee.user)
    return client


def test_list_shows_what_one_takes_part_in(client, org, due):
    mine = _set(org, due, purpose="Mine to do")
    _set(org, due, actor=org.peer.user, assignee=org.peer, purpose="The peer's own")
    page = _client(client, org.rep1).get(reverse("activities:follow_up_list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Mine to do" in text
    assert "The peer&#x27;s own" not in text and "The peer's own" not in text
    assert reverse("activities:follow_up_detail", args=[mine.pk]) in text
    assert 'name="contact"' not in text  # the API's filter, not the panel's


def test_list_filters_scope_and_due(client, org, due):
    _set(org, due, purpose="Due later")
    late = _set(org, due, assignee=org.rep2, purpose="Late one")
    FollowUp.objects.filter(pk=late.pk).update(due_at=clock.now() - dt.timedelta(days=1))
    lead = _client(client, org.lead)
    url = reverse("activities:follow_up_list")
    team = lead.get(url, {"scope": "team"}).content.decode()
    assert "Due later" in team and "Late one" in team
    mine = lead.get(url, {"scope": "mine"}).content.decode()
    assert "Due later" not in mine
    overdue = lead.get(url, {"due": "overdue"}).content.decode()
    assert "Late one" in overdue and "Due later" not in overdue


def test_detail_names_a_hidden_contact_never(client, org, due):
    follow_up = _set(org, due, assignee=org.rep2)  # rep2 may see no contact
    page = _client(client, org.rep2).get(
        reverse("activities:follow_up_detail", args=[follow_up.pk])
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "Acme Stores" not in text
    assert "not visible to you" in text
    assert "Layla Lead" in text  # who set it, on the trail


def test_detail_is_404_outside_involvement(client, org, due):
    follow_up = _set(org, due)
    page = _client(client, org.peer).get(
        reverse("activities:follow_up_detail", args=[follow_up.pk])
    )
    assert page.status_code == 404


def test_create_page_sets_a_follow_up(client, org):
    when = (clock.now() + dt.timedelta(days=3)).strftime(LOCAL)
    c = _client(client, org.lead)
    form = c.get(reverse("activities:follow_up_create"), {"contact": org.acme.pk})
    assert form.status_code == 200
    answer = c.post(
        reverse("activities:follow_up_create"),
        {
            "assignee": org.rep1.pk,
            "due_at": when,
            "purpose": "Offer the new catalogue",
            "channel": "visit",
            "contact": org.acme.pk,
        },
    )
    follow_up = FollowUp.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("activities:follow_up_detail", args=[follow_up.pk])
    assert follow_up.assignee == org.rep1 and follow_up.channel == "visit"


def test_create_page_shows_field_errors_and_keeps_input(client, org):
    c = _client(client, org.lead)
    answer = c.post(
        reverse("activities:follow_up_create"),
        {
            "assignee": org.rep1.pk,
            "due_at": (clock.now() - dt.timedelta(days=5)).strftime(LOCAL),
            "purpose": "Kept text",
            "channel": "call",
        },
    )
    assert answer.status_code == 200
    assert "cannot be in the past" in answer.content.decode()
    assert "Kept text" in answer.content.decode()
    assert not FollowUp.objects.exists()


def test_complete_in_place_with_htmx_answers_the_row(client, org, due):
    follow_up = _set(org, due)
    c = _client(client, org.rep1)
    url = reverse("activities:follow_up_complete", args=[follow_up.pk])
    form = c.get(url, HTTP_HX_REQUEST="true")
    assert form.status_code == 200
    assert 'name="outcome"' in form.content.decode()
    bad = c.post(url, {"outcome": ""}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and "invalid-feedback" in bad.content.decode()
    answer = c.post(
        url,
        {"outcome": "Ordered", "next_due_at": (due + dt.timedelta(days=30)).strftime(LOCAL)},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    assert answer["HX-Trigger"] == "followUpChanged"
    assert f'data-follow-up="{follow_up.pk}"' in answer.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.DONE and follow_up.next is not None


def test_actions_from_the_detail_page_reload_it(client, org, due):
    follow_up = _set(org, due)
    c = _client(client, org.rep1)
    detail = reverse("activities:follow_up_detail", args=[follow_up.pk])
    answer = c.post(
        reverse("activities:follow_up_postpone", args=[follow_up.pk]),
        {"due_at": (due + dt.timedelta(days=2)).strftime(LOCAL), "remark": "Travelling"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{detail}",
    )
    assert answer["HX-Redirect"] == detail


def test_forward_without_htmx_redirects(client, org, due):
    follow_up = _set(org, due)
    c = _client(client, org.rep1)
    answer = c.post(
        reverse("activities:follow_up_forward", args=[follow_up.pk]),
        {"to": org.rep2.pk, "instruction": "Please take it"},
    )
    assert answer.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.assignee == org.rep2


def test_cancel_and_close_the_panel(client, org, due):
    follow_up = _set(org, due)
    c = _client(client, org.lead)
    url = reverse("activities:follow_up_cancel", args=[follow_up.pk])
    assert c.get(url, {"close": "1"}, HTTP_HX_REQUEST="true").content == b""
    c.post(url, {"remark": "No longer needed"})
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.CANCELLED


def test_acting_is_404_for_the_uninvolved(client, org, due):
    follow_up = _set(org, due)
    c = _client(client, org.peer)
    for name in ("complete", "forward", "postpone", "cancel"):
        url = reverse(f"activities:follow_up_{name}", args=[follow_up.pk])
        assert c.get(url).status_code == 404
        assert c.post(url, {"outcome": "x", "remark": "x"}).status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN


# --- rules -------------------------------------------------------------------------------------


def test_rule_pages_need_the_rule_permissions(client, org):
    c = _client(client, org.rep1)
    assert c.get(reverse("activities:follow_up_rule_list")).status_code == 403
    assert c.get(reverse("activities:follow_up_rule_create")).status_code == 403


def test_rule_create_update_and_delete(client, org):
    c = _client(client, org.boss)
    assert c.get(reverse("activities:follow_up_rule_create")).status_code == 200
    answer = c.post(
        reverse("activities:follow_up_rule_create"),
        {
            "name": "Dealers twice a month",
            "is_active": "on",
            "cadence": Cadence.DAYS_OF_MONTH,
            "days_of_month": ["1", "15"],
            "assign_to": "representative",
            "channel": "visit",
            "criteria_contact_type": [org.dealer.pk],
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    rule = FollowUpRule.objects.get()
    assert rule.criteria == {"contact_type": [org.dealer.pk]}
    assert rule.days_of_month == [1, 15] and rule.interval_days is None
    listing = c.get(reverse("activities:follow_up_rule_list")).content.decode()
    assert "Dealers twice a month" in listing
    edit = reverse("activities:follow_up_rule_update", args=[rule.pk])
    page = c.get(edit)
    assert page.status_code == 200
    bad = c.post(
        edit,
        {
            "name": "Dealers",
            "cadence": Cadence.SINCE_FOLLOW_UP,
            "assign_to": "representative",
            "channel": "call",
        },
    )
    assert bad.status_code == 200
    assert "Give a number of days" in bad.content.decode()
    delete = reverse("activities:follow_up_rule_delete", args=[rule.pk])
    assert c.get(delete).status_code == 200
    assert c.post(delete).status_code == 302
    assert not FollowUpRule.objects.exists()


def test_rule_preview_counts_and_hides_what_the_reader_may_not_see(client, org):
    c = _client(client, org.boss)
    data = {
        "name": "Customers",
        "cadence": Cadence.SINCE_FOLLOW_UP,
        "interval_days": "30",
        "assign_to": "representative",
        "channel": "call",
        "criteria_contact_type": [org.customer.pk, org.dealer.pk],
    }
    answer = c.post(reverse("activities:follow_up_rule_preview"), data, HTTP_HX_REQUEST="true")
    text = answer.content.decode()
    assert answer.status_code == 200
    assert "2 contacts match" in text
    assert "Acme Stores" in text and "Zed Dealers" in text
    rule = follow_up_rule_save(
        actor=org.boss.user,
        name="Saved",
        cadence=Cadence.SINCE_FOLLOW_UP,
        interval_days=30,
        criteria={"contact_type": [org.customer.pk]},
    )
    saved = c.post(
        reverse("activities:follow_up_rule_preview_saved", args=[rule.pk]),
        {**data, "criteria_contact_type": [org.customer.pk]},
    ).content.decode()
    assert "1 contact matches" in saved


def test_the_contact_page_has_a_follow_ups_tab(client, org, due):
    _set(org, due, purpose="Bring the samples")
    _set(org, due, actor=org.peer.user, assignee=org.peer, purpose="Peer's own visit")
    page = _client(client, org.lead).get(reverse("contacts:contact_detail", args=[org.acme.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Bring the samples" in text
    assert "Peer" not in text.split("tab-follow-ups", 1)[1].split("tab-pane", 1)[0]
    assert reverse("activities:follow_up_create") + f"?contact={org.acme.pk}" in text


def test_the_rule_form_shows_the_saved_criteria_and_days(client, org):
    rule = follow_up_rule_save(
        actor=org.boss.user,
        name="Dealers",
        cadence=Cadence.DAYS_OF_MONTH,
        days_of_month=[1, 15],
        criteria={"contact_type": [org.dealer.pk], "lifecycle": ["customer"]},
    )
    page = _client(client, org.boss).get(
        reverse("activities:follow_up_rule_update", args=[rule.pk])
    )
    form = page.context["form"]
    html = str(form["criteria_contact_type"])
    assert f'value="{org.dealer.pk}" selected' in html or (
        f'value="{org.dealer.pk}"' in html and "selected" in html
    )
    assert "selected" in str(form["criteria_lifecycle"])
    assert "selected" in str(form["days_of_month"])
