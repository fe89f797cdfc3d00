import factory

from tawasul.contacts.models import (
    Area,
    ContactCategory,
    ContactType,
    Industry,
    ProductGroup,
    Segment,
    Size,
)
from tawasul.org.tests.factories import CompanyFactory


class ContactTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactType
        django_get_or_create = ["company", "code"]

    company = factory.SubFactory(CompanyFactory)
    code = "customer"
    name = factory.LazyAttribute(lambda o: o.code.title())


class ContactCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactCategory

    contact_type = factory.SubFactory(ContactTypeFactory)
    company = factory.SelfAttribute("contact_type.company")
    name = factory.Sequence(lambda n: f"Category {n}")


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Area {n}")
    level = "city"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from tawasul.contacts.services import masterdata_save

        return masterdata_save(actor=None, model=model_class, **kwargs)


def _simple(model_cls):
    return type(
        f"{model_cls.__name__}Factory",
        (factory.django.DjangoModelFactory,),
        {
            "Meta": type("Meta", (), {"model": model_cls}),
            "company": factory.SubFactory(CompanyFactory),
            "name": factory.Sequence(lambda n, m=model_cls.__name__: f"{m} {n}"),
        },
    )


IndustryFactory = _simple(Industry)
SegmentFactory = _simple(Segment)
SizeFactory = _simple(Size)
ProductGroupFactory = _simple(ProductGroup)


def make_contact(*, company, actor=None, contact_type=None, **data):
    """Create a contact through the service, as the application does."""
    from tawasul.contacts.services import contact_create

    nested = {
        k: data.pop(k)
        for k in list(data)
        if k in {"persons", "addresses", "phones", "emails", "product_groups", "dealer_profile"}
    }
    contact_type = contact_type or ContactTypeFactory(company=company)
    data.setdefault("name", "Contact")
    return contact_create(
        actor=actor, company=company, data={"contact_type": contact_type, **data}, **nested
    )
