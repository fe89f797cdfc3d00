"""The administrator's flow in Debian's Chromium, in English and Arabic: a template whose
placeholders follow the kind, refused at its field with the line, previewed on a real contact;
then a rule whose choices follow the event, previewed and saved."""

import pytest
from playwright.sync_api import expect

from tawasul.activities.models import AutomaticTaskRule, MessageTemplate
from tawasul.contacts.tests.factories import ContactTypeFactory, make_contact
from tawasul.core.models import UserPreference
from tawasul.core.tests.test_browser_frame import _sign_in
from tawasul.org.models import Employee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _redrawn(page) -> None:
    """Wait until htmx has swapped and settled the form it redraws (a change made meanwhile
    would reach an element htmx has not taken in yet)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    page.wait_for_timeout(100)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_an_administrator_writes_a_template_and_a_rule(page, admin_user, company, language):
    UserPreference.objects.create(user=admin_user, language=language)
    boss = Employee.objects.get(user=admin_user)
    kind = ContactTypeFactory(company=company, code="customer", name="Customer")
    make_contact(company=company, contact_type=kind, name="Oasis Trading", representative=boss)
    _sign_in(page, "boss")

    page.goto("/activities/automation/templates/new/")
    page.fill("#id_name", "Welcome")
    page.select_option("#id_kind", "task")
    expect(page.locator("#placeholders")).to_contain_text("task.due")
    page.select_option("#id_kind", "contact")
    expect(page.locator("#placeholders")).to_contain_text("contact.name")
    expect(page.locator("#preview-record")).to_contain_text("Oasis Trading")
    page.fill("#id_subject_en", "Welcome call: {{ contact.name }}")
    page.fill("#id_body_en", "Hello {{ recipient.first_name }},\n{{ contact.nickname }}")
    page.locator("#preview-template").click()
    expect(page.locator("#template-preview")).to_contain_text("Welcome call: Oasis Trading")
    page.locator("#save-template").click()
    feedback = page.locator("#id_body_en ~ .invalid-feedback")
    expect(feedback).to_contain_text("2")
    expect(feedback).to_contain_text("contact.nickname")
    page.fill("#id_body_en", "Hello {{ recipient.first_name }}")
    page.locator("#save-template").click()
    expect(page.locator("#message_templates-table tbody tr")).to_have_count(1)
    assert MessageTemplate.objects.get().kind == "contact"

    page.goto("/activities/automation/rules/new/")
    page.fill("#id_name", "Welcome call")
    page.select_option("#id_event", "task.overdue")
    _redrawn(page)
    expect(page.locator("#id_target option[value=assignee]")).to_have_count(1)
    expect(page.locator("#id_template option")).to_have_count(1)  # none for tasks
    page.select_option("#id_event", "contact.created")
    _redrawn(page)
    expect(page.locator("#id_target option[value=actor_manager]")).to_have_count(1)
    expect(page.locator("#id_template option")).to_have_count(2)
    expect(page.locator("#id_name")).to_have_value("Welcome call")  # kept across the redraw
    expect(page.locator(".condition-row")).to_have_count(1)
    page.locator("#add-condition").click()
    _redrawn(page)
    expect(page.locator(".condition-row")).to_have_count(2)
    expect(page.locator("#id_conditions-1-operator")).to_have_value("in")
    page.select_option("#id_conditions-0-field", "lifecycle")
    _redrawn(page)
    expect(page.locator("#id_conditions-0-values option")).to_have_count(5)
    page.select_option("#id_conditions-0-values", ["target", "prospect"])
    expect(page.locator("#id_name")).to_have_value("Welcome call")
    page.select_option("#id_target", "representative")
    page.select_option("#id_template", label="Welcome")
    page.locator("#preview-rule").click()
    expect(page.locator("#rule-preview")).to_contain_text("Welcome call: Oasis Trading")
    page.locator("#save-rule").click()
    expect(page.locator("#automatic_task_rules-table tbody tr")).to_have_count(1)
    rule = AutomaticTaskRule.objects.get()
    assert rule.event == "contact.created"
    assert rule.conditions == [
        {"field": "lifecycle", "operator": "in", "values": ["target", "prospect"]}
    ]
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
