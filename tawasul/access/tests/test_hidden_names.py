"""A record linked to a record the user may not view never shows that record's name.

The test kind of issue 10 §1, over every governed link field of a contact and of the parts shown
on its page (addresses, dealer terms). The fields are computed from the models
(`tawasul.access.links.link_fields`: every foreign key and many-to-many to a record read through
`restrict`), so a new link field is covered, or the classification test fails, without anyone
remembering to add it here.

For each field: an administrator links a contact the user may see to a record the user may not
see, whose names and code carry a unique marker; then, as the user, every surface that shows the
contact (list page and fragment, filtered list, detail page, history fragment, edit form and its
re-display with errors, API list and detail, CSV and XLSX export, global search, autocomplete,
home and team pages) must not contain the marker; and again after the link is removed, when only
the history still holds the old value. An administrator's detail page does show the marker, so a
surface that stopped rendering the field cannot pass the test by accident.
"""

import io
import secrets
from html.parser import HTMLParser

import pytest
from django.db import models
from django.urls import reverse
from rest_framework.test import APIClient

from tawasul.access.links import HiddenRecord, link_fields, mask_links
from tawasul.access.registry import governed
from tawasul.access.services import rule_save
from tawasul.contacts import services
from tawasul.contacts.models import (
    Address,
    Area,
    Contact,
    ContactCategory,
    ContactType,
    DealerProfile,
)
from tawasul.contacts.tests.factories import (
    AreaFactory,
    ContactCategoryFactory,
    ContactTypeFactory,
    make_contact,
)
from tawasul.core.widgets import HIDDEN_LABEL
from tawasul.org.models import Branch, Employee
from tawasul.org.tests.factories import BranchFactory, EmployeeFactory, UserFactory

# Models whose records the contact pages show, with their link fields.
SHOWN_MODELS = [Contact, Address, DealerProfile]

# Relations of those models that are not links to other records the user might not view.
NOT_LINKS = {
    (Contact, "company"): "the contact's own company, which restrict confines the viewer to",
    (Contact, "created_by"): "a user account, shown on no contact surface",
    (Address, "contact"): "the contact the address belongs to",
    (DealerProfile, "contact"): "the contact the terms belong to",
}

CASES = [
    pytest.param(model, field.name, id=f"{model._meta.model_name}.{field.name}")
    for model in SHOWN_MODELS
    for field in link_fields(model)
    if (model, field.name) not in NOT_LINKS
]

CONTACT_PERMS = [
    "contacts.view_contact",
    "contacts.change_contact",
    "contacts.export_contact",
]


def _relations(model) -> set[str]:
    return {
        f.name
        for f in model._meta.get_fields()
        if isinstance(f, (models.ForeignKey, models.ManyToManyField))
    }


def test_every_relation_of_the_shown_models_is_classified():
    """A link added to a contact (or its address, its dealer terms) is a case of this test, or
    is listed above with the reason it is not; nothing falls in between."""
    cases = {(p.values[0], p.values[1]) for p in CASES}
    for model in SHOWN_MODELS:
        tested = {name for (m, name) in cases if m is model}
        exempt = {name for (m, name) in NOT_LINKS if m is model}
        assert _relations(model) == tested | exempt, model
        assert not tested & exempt, model
    # Every link field record rules may test on contacts is among the cases...
    declared = {d.lookup for d in governed(Contact).fields.values() if d.model is not None}
    assert {(Contact, name) for name in declared} <= cases
    # ...and so are the links the issue names, and the parts' areas.
    named = {"dealer", "referred_by_contact", "representative", "referred_by_employee"}
    assert {(Contact, name) for name in named} <= cases
    assert {(Address, "area"), (DealerProfile, "territories")} <= cases


# --- the world -----------------------------------------------------------------------------


@pytest.fixture
def world(company, admin_user):
    """A restricted user who sees customers (by a rule) and no master data, staff or branches
    (no permission), a customer they see, and an administrator's client."""
    from django.test import Client

    user = UserFactory(username="restricted", perms=CONTACT_PERMS)
    EmployeeFactory(company=company, user=user, name="Rita Restricted", code="R001")
    rule_save(
        actor=None,
        company=company,
        name="Customers",
        model="contacts.contact",
        actions=["view", "change", "export"],
        user=user,
        conditions=[{"field": "lifecycle", "operator": "in", "values": ["customer"]}],
    )
    customer = ContactTypeFactory(company=company, code="customer", name="Customer")
    dealer = ContactTypeFactory(company=company, code="dealer", name="Dealer")
    contact = make_contact(
        company=company,
        contact_type=customer,
        name="Visible Customer",
        code="VIS-1",
        lifecycle="customer",
        phones=[{"number": "0501234567"}],
        addresses=[{"line1": "1 King Road", "city": "Riyadh"}],
    )
    client = Client()
    client.force_login(user)
    api = APIClient()
    api.force_authenticate(user)
    admin = Client()
    admin.force_login(admin_user)
    return {
        "company": company,
        "user": user,
        "customer_type": customer,
        "dealer_type": dealer,
        "contact": contact,
        "client": client,
        "api": api,
        "admin": admin,
    }


def _hidden_record(model, world, marker):
    """A record of `model` that the restricted user may not view, named by `marker`."""
    company = world["company"]
    names = {"name": marker, "name_ar": marker}
    if model is Contact:
        # Outside the user's rule (lifecycle "target"), and a dealer so it may serve others.
        return make_contact(
            company=company, contact_type=world["dealer_type"], code=marker, **names
        )
    if model is Employee:
        return EmployeeFactory(company=company, user=None, code=marker[:20], **names)
    if model is Branch:
        return BranchFactory(company=company, code=marker[:20], **names)
    if model is Area:
        return AreaFactory(company=company, level="city", **names)
    if model is ContactType:
        return ContactTypeFactory(company=company, code=marker, **names)
    if model is ContactCategory:
        return ContactCategoryFactory(contact_type=world["customer_type"], **names)
    fields = {f.name for f in model._meta.get_fields()}
    if {"company", "name", "name_ar"} <= fields:  # plain master data
        return model.objects.create(company=company, **names)
    raise AssertionError(f"no way to make a hidden {model.__name__}: add it to _hidden_record")


def _link(world, model, name, target) -> None:
    """As the administrator (the system), link the visible contact through `name` to `target`
    (None removes the link)."""
    contact = Contact.objects.get(pk=world["contact"].pk)
    if model is Address:
        address = contact.addresses.get()
        row = {"id": address.pk, "line1": address.line1, "city": address.city, name: target}
        services.contact_update(actor=None, contact=contact, data={}, addresses=[row])
    elif model is DealerProfile:
        if target is not None:
            services.contact_update(
                actor=None, contact=contact, data={"contact_type": world["dealer_type"]}
            )
        services.contact_update(
            actor=None,
            contact=contact,
            data={},
            dealer_profile={name: [target] if target is not None else []},
        )
    elif isinstance(contact._meta.get_field(name), models.ManyToManyField):
        groups = [target] if target is not None else []
        services.contact_update(actor=None, contact=contact, data={}, **{name: groups})
    elif name == "contact_type":
        kind = target if target is not None else world["customer_type"]
        services.contact_update(actor=None, contact=contact, data={name: kind})
    else:
        services.contact_update(actor=None, contact=contact, data={name: target})


def _linked_key(world, model, name):
    contact = Contact.objects.get(pk=world["contact"].pk)
    if model is Address:
        return contact.addresses.get().area_id
    if model is DealerProfile:
        return sorted(a.pk for a in contact.dealer_profile.territories.all())
    field = contact._meta.get_field(name)
    if isinstance(field, models.ManyToManyField):
        return sorted(getattr(contact, name).values_list("pk", flat=True))
    return getattr(contact, field.attname)


# --- the surfaces --------------------------------------------------------------------------


class _FormValues(HTMLParser):
    """The values a browser would submit for each form with method=post, as rendered."""

    def __init__(self):
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._values = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._values = []
            self.forms.append(self._values)
        if self._values is None:
            return
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind == "checkbox" else ""
            self._values.append((a["name"], a.get("value") or default))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self._values.append((self._select, a.get("value") or ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._values.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "form":
            self._values = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def _form_data(html: str) -> dict[str, list[str]]:
    """The contact form's values as the page renders them (the post form with a name field)."""
    parser = _FormValues()
    parser.feed(html)
    for values in parser.forms:
        data: dict[str, list[str]] = {}
        for name, value in values:
            data.setdefault(name, []).append(value)
        if "name" in data:
            return data
    return {}


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def _xlsx_text(response) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content), read_only=True)
    cells = []
    for sheet in book.worksheets:
        cells.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            cells.extend(str(v) for v in row if v is not None)
    return "\n".join(cells)


def _surfaces(world, name, hidden_pk) -> dict[str, str]:
    """Everything the restricted user can read that shows the visible contact, by surface."""
    client, api, contact = world["client"], world["api"], world["contact"]
    detail = reverse("contacts:contact_detail", args=[contact.pk])
    edit = reverse("contacts:contact_update", args=[contact.pk])
    fragment = {"HTTP_HX_REQUEST": "true"}
    pages = {
        "list page": client.get(reverse("contacts:contact_list")),
        "list fragment": client.get(
            reverse("contacts:contact_list"), HTTP_HX_TARGET="contact-table", **fragment
        ),
        "list filtered by the hidden record": client.get(
            reverse("contacts:contact_list"), {name: hidden_pk, "product_group": hidden_pk}
        ),
        "dealers list": client.get(reverse("contacts:dealer_list")),
        "detail page": client.get(detail),
        "history fragment": client.get(detail, HTTP_HX_TARGET="contact-history", **fragment),
        "edit form": client.get(edit),
        "API list": api.get("/api/contacts/"),
        "API detail": api.get(f"/api/contacts/{contact.pk}/"),
        "API list filtered": api.get("/api/contacts/", {name: hidden_pk}),
        "CSV export": client.get(reverse("contacts:contact_export"), {"format": "csv"}),
        "global search page": client.get(reverse("global_search"), {"q": "Visible"}),
        "global search fragment": client.get(
            reverse("global_search"), {"q": "Visible"}, **fragment
        ),
        "home page": client.get("/"),
        "team page": client.get(reverse("contacts:team")),
    }
    for kind in ("employee", "area", "contact", "dealer"):
        url = reverse("contacts:autocomplete", args=[kind])
        pages[f"autocomplete {kind}"] = client.get(url, {"q": ""})
        pages[f"autocomplete {kind} by marker"] = client.get(url, {"q": "hidnm"})
    for label, response in pages.items():
        # The API refuses a filter value the user may not view, as it refuses a missing one.
        allowed = (200, 400) if label == "API list filtered" else (200,)
        assert response.status_code in allowed, (label, response.status_code)
    texts = {label: _text(response) for label, response in pages.items()}
    xlsx = client.get(reverse("contacts:contact_export"), {"format": "xlsx"})
    assert xlsx.status_code == 200
    texts["XLSX export"] = _xlsx_text(xlsx)
    # The edit form sent back with an error (a blank name) is shown again.
    data = _form_data(texts["edit form"])
    assert data.get("name") == ["Visible Customer"], "the edit form's values could not be read"
    again = client.post(edit, {**data, "name": [""]})
    assert again.status_code == 200 and 'name="name"' in again.content.decode()
    texts["edit form with errors"] = again.content.decode()
    # Surfaces that must show the visible contact do (a 200 with nothing in it proves nothing).
    for label in ("list page", "detail page", "edit form", "API list", "CSV export"):
        assert "Visible Customer" in texts[label], label
    assert "Visible Customer" in texts["XLSX export"]
    return texts


def _assert_unnamed(texts: dict[str, str], marker: str) -> None:
    leaks = [label for label, text in texts.items() if marker in text.lower()]
    assert not leaks, f"the hidden record's name shows in: {', '.join(leaks)}"


# --- the test kind -------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "name"), CASES)
def test_a_hidden_linked_record_is_named_nowhere(world, model, name):
    field = model._meta.get_field(name)
    marker = f"hidnm{secrets.token_hex(4)}"  # lower case: compared with lower-cased pages
    target = _hidden_record(field.related_model, world, marker)
    assert not field.related_model._default_manager.restrict(world["user"], "view").filter(
        pk=target.pk
    ), "the record meant to be hidden is visible to the user"
    _link(world, model, name, target)
    contact = world["contact"]
    detail = reverse("contacts:contact_detail", args=[contact.pk])
    # An administrator sees the name on the contact's page: the page does render this field.
    assert marker in world["admin"].get(detail).content.decode().lower()

    texts = _surfaces(world, name, target.pk)
    _assert_unnamed(texts, marker)
    assert str(HIDDEN_LABEL) in texts["detail page"]

    # An unrelated edit through the form, submitted as rendered, keeps the hidden link.
    before = _linked_key(world, model, name)
    data = _form_data(texts["edit form"])
    edit = reverse("contacts:contact_update", args=[contact.pk])
    saved = world["client"].post(edit, {**data, "notes": ["Called today."]})
    assert saved.status_code == 302, _form_errors(saved)
    assert _linked_key(world, model, name) == before
    assert Contact.objects.get(pk=contact.pk).notes == "Called today."

    # So does a PUT of what the API returned.
    api = world["api"]
    body = api.get(f"/api/contacts/{contact.pk}/").json()
    put = api.put(f"/api/contacts/{contact.pk}/", body, format="json")
    assert put.status_code == 200, put.content
    assert _linked_key(world, model, name) == before

    # Removed, the old value lives on in the history only: still unnamed.
    _link(world, model, name, None)
    texts = _surfaces(world, name, target.pk)
    _assert_unnamed(texts, marker)
    if model is Contact and field.many_to_one:
        # The history entry of the change is there, with the old value as the hidden label.
        assert str(HIDDEN_LABEL) in texts["history fragment"]
        assert (
            marker
            in world["admin"]
            .get(detail, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="contact-history")
            .content.decode()
            .lower()
        )


def _form_errors(response) -> str:
    context = getattr(response, "context", None)
    if not context:
        return f"status {response.status_code}"
    errors = []
    for key in ("form", "persons", "addresses", "phones", "emails"):
        part = context.get(key)
        if part is not None:
            errors.append(f"{key}: {part.errors}")
    return "; ".join(errors)


# --- the parts, one by one -----------------------------------------------------------------


def test_a_taken_code_is_refused_alike_whoever_holds_it(world):
    """A code held by a hidden contact and one held by a visible contact get the same answer,
    naming no contact, on the page and in the API."""
    hidden = make_contact(
        company=world["company"], contact_type=world["dealer_type"], name="Secret", code="SEC-1"
    )
    assert not Contact.objects.restrict(world["user"], "view").filter(pk=hidden.pk).exists()
    client, api, contact = world["client"], world["api"], world["contact"]
    edit = reverse("contacts:contact_update", args=[contact.pk])
    data = _form_data(client.get(edit).content.decode())
    other = make_contact(
        company=world["company"],
        contact_type=world["customer_type"],
        name="Other Visible",
        code="VIS-2",
        lifecycle="customer",
    )
    page_answers, api_answers = [], []
    # Held codes are held whatever the letter case ("sec-1" is "SEC-1" to whoever reads it).
    for code in ("SEC-1", other.code, "sec-1", "vis-2"):
        response = client.post(edit, {**data, "code": [code], "confirm_duplicates": ["1"]})
        assert response.status_code == 200
        page_answers.append(response.context["form"].errors["code"])
        put = api.patch(f"/api/contacts/{contact.pk}/", {"code": code}, format="json")
        assert put.status_code == 400
        api_answers.append(put.json()["code"])
    expected = ["This code cannot be used; leave it empty to number automatically."]
    assert page_answers == [expected] * 4
    assert api_answers == [expected] * 4


def test_the_edit_form_names_a_hidden_value_as_hidden_and_keeps_it(world):
    """The form layer: a kept value outside what the user may view is offered by key with the
    hidden label, in a plain select, a multiple select and a select that asks the server."""
    from tawasul.contacts.forms import ContactForm

    dealer = make_contact(
        company=world["company"], contact_type=world["dealer_type"], name="Hidden Dealer"
    )
    group = _hidden_record(
        Contact._meta.get_field("product_groups").related_model, world, "hidnmgroup"
    )
    contact = world["contact"]
    services.contact_update(actor=None, contact=contact, data={"dealer": dealer})
    contact.product_groups.set([group])
    form = ContactForm(instance=Contact.objects.get(pk=contact.pk), user=world["user"])
    html = str(form["dealer"]) + str(form["product_groups"]) + str(form["contact_type"])
    assert "Hidden Dealer" not in html and "hidnmgroup" not in html and "Customer" not in html
    assert html.count(str(HIDDEN_LABEL)) == 3
    assert f'value="{dealer.pk}" selected' in html
    assert form.fields["dealer"].hidden_values == {dealer.pk}


def test_masking_loaded_records_keeps_the_key_and_drops_the_name(world):
    dealer = make_contact(
        company=world["company"], contact_type=world["dealer_type"], name="Hidden Dealer"
    )
    services.contact_update(actor=None, contact=world["contact"], data={"dealer": dealer})
    contact = Contact.objects.select_related("dealer").get(pk=world["contact"].pk)
    [masked] = mask_links(world["user"], [contact])
    assert isinstance(masked.dealer, HiddenRecord) and masked.dealer.pk == dealer.pk
    assert masked.dealer_id == dealer.pk and str(masked.dealer) == str(HIDDEN_LABEL)
    with pytest.raises(AttributeError):
        masked.dealer.contact_type  # noqa: B018 - nothing of the hidden record can be read
    # For someone who may view the dealer, the same record keeps its name.
    admin = Contact.objects.select_related("dealer").get(pk=world["contact"].pk)
    [plain] = mask_links(_superuser(), [admin])
    assert plain.dealer == dealer and str(plain.dealer) == "Hidden Dealer"


def _superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="boss")
