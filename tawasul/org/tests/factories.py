import factory
from django.contrib.auth import get_user_model

from tawasul.org.models import Branch, Company, Department, Employee


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"CO{n}")
    name = factory.Sequence(lambda n: f"Company {n}")
    default_country = "SA"


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"BR{n}")
    name = factory.Sequence(lambda n: f"Branch {n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Department {n}")
    kind = "sales"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def perms(self, create, extracted, **kwargs):
        """`perms=["contacts.view_contact", ...]` grants those model permissions."""
        if create:
            self.save()  # keep the password set above
        if not extracted:
            return
        from django.contrib.auth.models import Permission

        for dotted in extracted:
            app_label, codename = dotted.split(".")
            self.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        self.save()


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"E{n:04d}")
    name = factory.Sequence(lambda n: f"Employee {n}")
    user = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from tawasul.org.services import employee_save

        return employee_save(actor=None, **kwargs)
