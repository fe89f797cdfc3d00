"""The settings pages of templates and automatic task rules: lists, the editors (field errors
with their line, the kind's placeholders, a change of event), previews on real records the
author may view, delete, and who may open them."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tawasul.access.models import RecordRule
from tawasul.access.services import rule_save
from tawasul.activities.automation_services import automatic_task_rule_save
from tawasul.activities.models import AutomaticTaskRule, MessageTemplate
from tawasul.core.widgets import HIDDEN_LABEL

pytestmark = pytest.mark.django_db

TEMPLATE_POST = {
    "name": "Handover",
    "kind": "contact",
    "subject_en": "Handover: {{ contact.name }}",
    "body_en": "",
    "subject_ar": "",
    "body_ar": "",
    "is_active": "on",
}


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin.user)
    return client


def _rule_post(world, **extra):
    return {
        "name": "Welcome",
        "event": "contact.created",
        "target": "representative",
        "due_in_days": "1",
        "priority": "normal",
        "template": str(world.welcome.pk),
        "is_active": "on",
        "conditions-TOTAL_FORMS": "1",
        "conditions-INITIAL_FORMS": "0",
        "conditions-0-field": "",
        "conditions-0-operator": "in",
        **extra,
    }


def test_template_list_and_editor(admin_client, world):
    response = admin_client.get(reverse("activities:message_template_list"))
    assert response.status_code == 200
    assert "Welcome call" in response.content.decode()
    response = admin_client.get(reverse("activities:message_template_create"))
    page = response.content.decode()
    assert response.status_code == 200 and 'name="kind"' in page


def test_a_template_with_an_unknown_placeholder_comes_back_with_the_line(admin_client, world):
    url = reverse("activities:message_template_create")
    post = {**TEMPLATE_POST, "body_en": "Hi\n{{ contact.nickname }}"}
    response = admin_client.post(url, post)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["body_en"]
    assert "Line 2" in errors["body_en"][0]
    assert not MessageTemplate.objects.filter(name="Handover").exists()
    response = admin_client.post(url, TEMPLATE_POST)
    assert response.status_code == 302
    saved = MessageTemplate.objects.get(name="Handover")
    assert saved.company == world.company
    response = admin_client.post(
        reverse("activities:message_template_update", args=[saved.pk]),
        {**TEMPLATE_POST, "subject_en": "New subject"},
    )
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.subject_en == "New subject"


def test_the_kind_panel_lists_its_placeholders(admin_client):
    url = reverse("activities:message_template_placeholders")
    page = admin_client.get(url, {"kind": "task"}).content.decode()
    assert "task.due" in page and "recipient.name" in page and "contact.code" not in page


def test_pickers_offer_only_visible_records(client, world, new_contact):
    """A preview's record picker (template and rule editors) offers only records the author
    may view."""
    shown = new_contact(name="Shown Co")
    hidden = new_contact(name="Hidden Co")
    viewer = world.admin.user
    # The administrator's rule: every contact but one.
    RecordRule.objects.filter(user=viewer).delete()
    rule_save(
        actor=None,
        company=world.company,
        name="Only shown",
        model="contacts.contact",
        actions=["view", "change"],
        user=viewer,
        conditions=[{"field": "representative", "operator": "in", "values": [world.rep.pk]}],
    )
    hidden.representative = world.blind
    hidden.save()
    client.force_login(viewer)
    for url in (
        reverse("activities:message_template_placeholders") + "?kind=contact",
        reverse("activities:message_template_update", args=[world.welcome.pk]),
        reverse("activities:automatic_task_rule_create"),
    ):
        page = client.get(url).content.decode()
        assert "Shown Co" in page, url
        assert "Hidden Co" not in page, url
    rule = automatic_task_rule_save(
        actor=None,
        company_id=world.company.pk,
        name="R",
        event="contact.created",
        target="representative",
        template=world.welcome,
    )
    page = client.get(reverse("activities:automatic_task_rule_update", args=[rule.pk]))
    assert "Shown Co" in page.content.decode() and "Hidden Co" not in page.content.decode()
    assert shown.pk != hidden.pk


def test_template_preview_only_on_visible_records(client, world, new_contact):
    """The preview renders on a record the author may view, English and Arabic; a record
    they may not view is refused like a missing one and never named."""
    contact = new_contact(name="Preview Co")
    url = reverse("activities:message_template_preview")
    client.force_login(world.admin.user)
    post = {**TEMPLATE_POST, "subject_ar": "تسليم: {{ contact.name }}", "record": contact.pk}
    page = client.post(url, post).content.decode()
    assert "Handover: Preview Co" in page and "تسليم: Preview Co" in page
    page = client.get(url, {"template": world.welcome.pk, "record": contact.pk}).content.decode()
    assert "Welcome call: Preview Co" in page
    client.force_login(world.blind.user)  # may view templates, not this contact
    page = client.post(url, post).content.decode()
    assert "Preview Co" not in page and "preview-error" in page


def test_rule_editor_saves_with_conditions_and_refuses_at_the_field(admin_client, world):
    url = reverse("activities:automatic_task_rule_create")
    post = _rule_post(
        world,
        **{
            "conditions-0-field": "lifecycle",
            "conditions-0-operator": "in",
            "conditions-0-values": ["prospect"],
        },
    )
    response = admin_client.post(url, {**post, "target": "user"})
    assert response.status_code == 200
    assert "target_user" in response.context["form"].errors
    response = admin_client.post(url, post)
    assert response.status_code == 302, response.context["form"].errors
    rule = AutomaticTaskRule.objects.get()
    assert rule.conditions == [{"field": "lifecycle", "operator": "in", "values": ["prospect"]}]
    page = admin_client.get(reverse("activities:automatic_task_rule_update", args=[rule.pk]))
    assert page.status_code == 200
    assert page.context["conditions"].forms[0].initial["values"] == ["prospect"]


def test_a_change_of_event_redraws_the_form_with_that_events_choices(admin_client, world):
    url = reverse("activities:automatic_task_rule_create")
    response = admin_client.post(url, {**_rule_post(world, event="task.overdue"), "_refresh": "1"})
    assert response.status_code == 200
    form = response.context["form"]
    assert not form._errors
    assert "assignee" in dict(form.fields["target"].choices)
    fields = dict(response.context["conditions"].forms[0].fields["field"].choices)
    assert "initiator" in fields and "lifecycle" not in fields
    assert not AutomaticTaskRule.objects.exists()


def test_rule_preview_only_on_visible_records(client, world, new_contact):
    """The rule preview shows who would get which task for a record the author may view;
    a hidden record is refused and never named."""
    contact = new_contact(name="Target Co")
    url = reverse("activities:automatic_task_rule_preview")
    client.force_login(world.admin.user)
    page = client.post(url, {**_rule_post(world), "record": contact.pk}).content.decode()
    assert "Welcome call: Target Co" in page and "Rami Rep" in page
    rule = automatic_task_rule_save(
        actor=None,
        company_id=world.company.pk,
        name="Saved",
        event="contact.created",
        target="manager",
        template=world.welcome,
    )
    page = client.get(url, {"rule": rule.pk, "record": contact.pk}).content.decode()
    assert "Mona Manager" in page
    world.blind.user.user_permissions.add(
        *Permission.objects.filter(codename="view_automatictaskrule")
    )
    client.force_login(world.blind.user)
    page = client.get(url, {"rule": rule.pk, "record": contact.pk}).content.decode()
    assert "Target Co" not in page and "preview-error" in page
    assert str(HIDDEN_LABEL) not in page


def test_delete_pages(admin_client, world):
    rule = automatic_task_rule_save(
        actor=None,
        company_id=world.company.pk,
        name="Gone",
        event="contact.created",
        target="representative",
        template=world.welcome,
    )
    url = reverse("activities:message_template_delete", args=[world.welcome.pk])
    assert admin_client.post(url).status_code == 409  # the rule still uses it
    url = reverse("activities:automatic_task_rule_delete", args=[rule.pk])
    assert admin_client.post(url).status_code == 302
    assert not AutomaticTaskRule.objects.exists()
    url = reverse("activities:message_template_delete", args=[world.welcome.pk])
    assert admin_client.post(url).status_code == 302


def test_who_may_open_the_pages(client, world):
    client.force_login(world.rep.user)  # staff: may view templates, nothing else here
    response = client.get(reverse("activities:message_template_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Welcome call" in page
    assert reverse("activities:message_template_update", args=[world.welcome.pk]) not in page
    for name in (
        "message_template_create",
        "automatic_task_rule_list",
        "automatic_task_rule_create",
    ):
        assert client.get(reverse(f"activities:{name}")).status_code == 403, name
    url = reverse("activities:message_template_update", args=[world.welcome.pk])
    assert client.get(url).status_code == 403
