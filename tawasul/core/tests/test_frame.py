"""The frame every page shares: the sidebar, error pages, names by language, isolated values."""

import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from tawasul.contacts.tests.factories import IndustryFactory, make_contact
from tawasul.core.navigation import page_label
from tawasul.org.tests.factories import DepartmentFactory, EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _arabic(client):
    response = client.post(reverse("preferences"), {"language": "ar", "next": "/"}, follow=True)
    assert response.status_code == 200  # followed: its own toast is shown and gone


def _sidebar(body: str) -> str:
    return body[body.index('id="sidebar"') : body.index("</nav>", body.index('id="sidebar"'))]


# --- isolating record data in translated text ------------------------------------------------


def test_bdi_wraps_and_escapes_a_value():
    out = Template("{% load tawasul %}{{ v|bdi }}").render(Context({"v": "Al <b>Bayan</b> Co."}))
    assert out == "<bdi>Al &lt;b&gt;Bayan&lt;/b&gt; Co.</bdi>"


def test_bdi_quoted_isolates_the_names_a_message_quotes():
    template = Template("{% load tawasul %}{{ m|bdi_quoted }}")
    assert (
        template.render(Context({"m": "حُفظت القاعدة «My contacts.»"}))
        == "حُفظت القاعدة «<bdi>My contacts.</bdi>»"
    )
    assert template.render(Context({"m": "Rule “<x>” saved."})) == (
        "Rule “<bdi>&lt;x&gt;</bdi>” saved."
    )


def test_list_and_page_isolate_a_latin_name_in_arabic(staff_client, company, customer_type):
    contact = make_contact(company=company, contact_type=customer_type, name="Al Bayan Hotels Co.")
    _arabic(staff_client)
    listing = staff_client.get(reverse("contacts:contact_list")).content.decode()
    assert "<bdi>Al Bayan Hotels Co.</bdi>" in listing
    page = staff_client.get(reverse("contacts:contact_detail", args=[contact.pk])).content.decode()
    heading = page[page.index("<h1") : page.index("</h1>")]
    assert "<bdi>Al Bayan Hotels Co.</bdi>" in heading
    crumbs = page[page.index('class="breadcrumb') : page.index("</ol>")]
    assert f"<bdi>{contact.code}</bdi>" in crumbs


def test_toasts_isolate_the_names_they_quote(staff_client, company):
    industry = IndustryFactory(company=company, name="Oil & Gas Co.")
    _arabic(staff_client)
    response = staff_client.post(
        reverse("contacts:masterdata_active", args=["industries", industry.pk]),
        {"active": "0", "next": reverse("contacts:masterdata_list", args=["industries"])},
        follow=True,
    )
    toast = re.search(r'<div class="toast-body">(.*?)</div>', response.content.decode()).group(1)
    assert "<bdi>Oil &amp; Gas Co.</bdi>" in toast


def test_saved_view_tabs_isolate_their_names(staff_client):
    _arabic(staff_client)
    response = staff_client.post(
        reverse("contacts:saved_filter"),
        {"name": "Al Bayan Co.", "query": "lifecycle=customer", "view": "contacts"},
        follow=True,
    )
    tabs = re.search(r'id="saved-views">(.*?)</ul>', response.content.decode(), re.S).group(1)
    assert "<bdi>Al Bayan Co.</bdi>" in tabs


# --- the sidebar ----------------------------------------------------------------------------


def test_sidebar_hides_what_the_user_may_not_open(client, company):
    user = UserFactory(username="viewer", perms=["contacts.view_contact"])
    EmployeeFactory(company=company, user=user, name="Vera Viewer", code="V1")
    client.force_login(user)
    sidebar = _sidebar(client.get(reverse("home")).content.decode())
    assert reverse("contacts:contact_list") in sidebar
    assert reverse("access:rule_list") not in sidebar  # no permission: no entry at all
    assert reverse("org:overview") not in sidebar
    assert reverse("contacts:import_list") not in sidebar
    # Modules not built yet: one folded group at the end, never loose disabled entries.
    soon = sidebar[sidebar.index('id="nav-soon"') :]
    assert "<details" in sidebar and "Quotations" in soon and "Complaints" in soon
    assert sidebar.count("disabled") == soon.count("disabled")
    assert sidebar.index("Contacts") < sidebar.index('id="nav-soon"')


def test_sidebar_marks_the_page_s_own_entry(admin_client):
    sidebar = _sidebar(admin_client.get(reverse("contacts:dealer_list")).content.decode())
    active = re.findall(r'<a class="app-nav-link active"[^>]*href="([^"]+)"', sidebar)
    assert active == [reverse("contacts:dealer_list")]


def test_settings_show_before_the_modules_to_come(admin_client):
    sidebar = _sidebar(admin_client.get(reverse("home")).content.decode())
    assert sidebar.index(reverse("access:rule_list")) < sidebar.index('id="nav-soon"')


def test_page_labels_for_audit_rows():
    assert page_label("access:rule_list") == "Roles & rules"
    assert page_label("access:role_update") == "Roles & rules · edit"
    assert page_label("contacts:contact_delete") == "Contacts · delete"
    assert page_label("contacts:masterdata_list") == "Master data"
    assert page_label("org:branch_update") == "Organization · edit"


def test_audit_names_refused_pages_as_people_know_them(client, admin_client, company):
    rep = UserFactory(username="nosy", perms=["contacts.view_contact"])
    EmployeeFactory(company=company, user=rep, name="Nosy Rep", code="N1")
    client.force_login(rep)
    assert client.get(reverse("access:rule_list")).status_code == 403
    audit = admin_client.get(reverse("access:audit") + "?tab=denials").content.decode()
    assert "Roles &amp; rules" in audit
    assert "access:rule_list" not in audit


# --- error pages -----------------------------------------------------------------------------


def test_missing_record_answers_a_framed_arabic_404(staff_client, staff_user):
    _arabic(staff_client)
    response = staff_client.get("/contacts/999999/")
    assert response.status_code == 404
    body = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in body
    assert 'id="sidebar"' in body and 'id="global-search"' in body  # inside the frame
    assert "الصفحة غير موجودة" in body  # "Page not found"
    assert 'id="error-home"' in body and "data-history-back" in body  # a way back
    assert "Not Found" not in body  # not Django's plain page


def test_forbidden_page_answers_a_framed_403(client, company):
    user = UserFactory(username="plain", perms=["contacts.view_contact"])
    EmployeeFactory(company=company, user=user, name="Plain User", code="P1")
    client.force_login(user)
    response = client.get(reverse("access:rule_list"))
    assert response.status_code == 403
    body = response.content.decode()
    assert 'id="sidebar"' in body and 'data-status="403"' in body
    assert "Your role does not include this page." in body


def test_visitors_get_the_plain_frame(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'id="sidebar"' not in body and 'data-status="404"' in body
    assert 'id="lang-form"' in body  # the sign-in page's frame, with its language switch


def test_server_error_page_needs_no_context():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert 'data-status="500"' in body and "Something went wrong" in body
    assert 'href="/"' in body


def test_expired_form_page_says_what_to_do():
    from django.views.csrf import csrf_failure

    response = csrf_failure(RequestFactory().post("/contacts/bulk/"), reason="CSRF token missing.")
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-status="403"' in body and "The form has expired" in body
    assert "CSRF" not in body  # not Django's technical page


# --- names by language -----------------------------------------------------------------------


def test_greeting_and_departments_use_arabic_names(client, company):
    user = UserFactory(username="amal", perms=["org.view_department", "org.view_employee"])
    EmployeeFactory(company=company, user=user, name="Amal Al-Amri", name_ar="أمل العمري")
    DepartmentFactory(company=company, name="Accounts", name_ar="الحسابات")
    client.force_login(user)
    _arabic(client)
    home = client.get(reverse("home")).content.decode()
    assert "أمل العمري" in home[home.index("<h1") : home.index("</h1>")]
    departments = client.get(reverse("org:department_list")).content.decode()
    cell = re.search(r'<td class="card-title-cell">(.*?)</td>', departments, re.S).group(1)
    assert cell.index("الحسابات") < cell.index("Accounts")  # Arabic first, English beside


def test_coordinates_print_with_a_point_in_arabic(staff_client, company, customer_type):
    contact = make_contact(
        company=company,
        contact_type=customer_type,
        name="Najd Polymers",
        addresses=[
            {"kind": "office", "line1": "Street 1", "latitude": "24.6", "longitude": "46.8"}
        ],
    )
    _arabic(staff_client)
    page = staff_client.get(reverse("contacts:contact_detail", args=[contact.pk])).content.decode()
    coordinates = re.search(r'class="small text-secondary coordinates">(.*?)</span>', page).group(1)
    assert re.search(r"24\.6\d*, 46\.8\d*", coordinates), coordinates
