"""A contact's link fields are defined once (`contacts.links.LINK_FIELDS`); every place that
lists them derives its list from there, and a new link field of the model cannot be forgotten."""

from tawasul.access.registry import governed
from tawasul.contacts import links, selectors, services
from tawasul.contacts.api import ContactSerializer
from tawasul.contacts.models import RULE_COLUMNS, Contact

# Relations of a contact that are not links to choose (the owner company, the audit author).
NOT_LINKS = {"company", "created_by"}


def test_every_link_of_the_model_is_declared_once():
    relations = {
        f.name
        for f in Contact._meta.get_fields()
        if f.is_relation and not f.auto_created and f.name not in NOT_LINKS
    }
    assert set(links.LINKS) == relations
    names = [name for name, _kind, _label in links.LINK_FIELDS]
    assert len(names) == len(set(names))


def test_rules_declaration_index_and_checks_derive_from_the_definition():
    entry = governed(Contact)
    assert [(f.name, f.kind, str(f.label)) for f in entry.fields.values()] == [
        (name, kind, str(label)) for name, kind, label in links.RULE_FIELDS
    ]
    for field in entry.fields.values():
        if field.model is not None:
            assert field.model is Contact._meta.get_field(field.name).related_model
    # The name index carries the rule columns in this order (its migration fixed it).
    assert RULE_COLUMNS == [
        "area",
        "industry",
        "segment",
        "size",
        "contact_type",
        "category",
        "referral_source",
        "branch",
        "representative",
        "coordinator",
        "manager",
        "lifecycle",
        "dealer",
    ]
    assert services.COMPANY_LINKS == list(links.SINGLE_LINKS)
    assert selectors.LINK_RELATED == links.SINGLE_LINKS


def test_the_api_declares_each_single_valued_link_with_its_model():
    fields = ContactSerializer().fields
    for name in links.SINGLE_LINKS:
        assert name in fields, name
        assert fields[name].queryset.model is Contact._meta.get_field(name).related_model
    assert fields["contact_type"].required
    assert not fields["area"].required and fields["area"].allow_null
