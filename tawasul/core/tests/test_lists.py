"""The generic list page (`core.lists`): rows, headers, saved views through the service."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tawasul.core.lists import Column, ListPage, render_rows
from tawasul.core.models import SavedFilter
from tawasul.core.services import saved_view_delete, saved_view_save


def test_rows_escape_values_and_label_cells_for_phone_cards():
    columns = [
        Column("name", "Name", primary=True),
        Column("code", "Code", td_class="small", title=lambda r: r.code),
        Column("note", "Note"),
    ]
    row = SimpleNamespace(pk=7, name="<b>Acme</b>", code="A&1", note=None)
    html = render_rows(columns, [row], select=lambda r: r.name)
    assert "&lt;b&gt;Acme&lt;/b&gt;" in html and "<b>Acme" not in html
    assert '<td class="card-title-cell"><bdi>' in html
    assert '<td data-label="Code" class="small" title="A&amp;1"><bdi>A&amp;1</bdi></td>' in html
    assert '<td data-label="Note"><bdi>—</bdi></td>' in html
    assert 'name="pk" value="7"' in html and 'aria-label="Select &lt;b&gt;Acme' in html
    assert 'name="pk"' not in render_rows(columns, [row], select=None)


def test_header_links_toggle_the_sort_and_dates_start_descending():
    page = ListPage()
    columns = [
        Column("name", "Name", sort="name"),
        Column("created_at", "Created", sort="created_at", descending_first=True),
        Column("area", "Area"),
    ]
    name, created, area = page.header(columns, "name")
    assert (name["sort"], name["now"]) == ("-name", "asc")
    assert (created["sort"], created["now"]) == ("-created_at", "")
    assert area["sort"] is None
    name, created, _area = page.header(columns, "-created_at")
    assert (name["sort"], created["sort"], created["now"]) == ("name", "created_at", "desc")


@pytest.mark.django_db
def test_saved_views_are_written_per_user_through_the_service(staff_user, django_user_model):
    other = django_user_model.objects.create_user("other-user", password="x")
    saved = saved_view_save(user=staff_user, view="contacts", name=" Mine ", query="lifecycle=lead")
    assert (saved.name, saved.query) == ("Mine", "lifecycle=lead")
    again = saved_view_save(user=staff_user, view="contacts", name="Mine", query="sort=code")
    assert again.pk == saved.pk and again.query == "sort=code"
    with pytest.raises(ValidationError) as caught:
        saved_view_save(user=staff_user, view="contacts", name="  ", query="")
    assert "name" in caught.value.message_dict
    assert not saved_view_delete(user=other, view="contacts", pk=saved.pk)
    assert not saved_view_delete(user=staff_user, view="dealers", pk=saved.pk)
    assert saved_view_delete(user=staff_user, view="contacts", pk=saved.pk)
    assert not SavedFilter.objects.exists()


@pytest.mark.django_db
def test_a_list_saves_and_removes_views_posted_to_its_own_address(staff_client, staff_user):
    url = reverse("contacts:dealer_list")
    response = staff_client.post(
        url, {"saved_view": "dealers", "name": "Active", "query": "lifecycle=customer"}
    )
    assert response.status_code == 302 and response["Location"] == url + "?lifecycle=customer"
    saved = SavedFilter.objects.get(user=staff_user)
    assert saved.view == "dealers"
    assert "Active" in staff_client.get(url).content.decode()
    assert "Active" not in staff_client.get(reverse("contacts:contact_list")).content.decode()
    assert (
        staff_client.post(reverse("contacts:contact_list"), {"delete": saved.pk}).status_code == 404
    )
    assert staff_client.post(url, {"delete": saved.pk}).status_code == 302
    assert not SavedFilter.objects.exists()


def test_an_unusable_filter_is_left_out_and_said_so_while_the_others_apply(
    staff_client, company, customer_type
):
    """A filter value that does not validate (a date that is no date) is left out: the rows
    still follow the other filters, whose chips stay, and the page names the one left out."""
    from tawasul.contacts.tests.factories import make_contact

    make_contact(company=company, contact_type=customer_type, name="Kept", code="K-1")
    make_contact(company=company, contact_type=customer_type, name="Other", code="O-1")
    url = reverse("contacts:contact_list")
    page = staff_client.get(url, {"code": "K-1", "created_after": "not-a-date"}).content.decode()
    assert "Kept" in page and "Other" not in page
    assert "These filters could not be used and were left out: Created from." in page
    assert 'class="btn btn-sm btn-light border filter-chip"' in page  # the code's chip
    count = staff_client.get(
        url,
        {"code": "K-1", "created_after": "not-a-date"},
        headers={"HX-Request": "true", "HX-Target": "row-count"},
    ).content.decode()
    assert "1 contact" in count
