"""The access protocol in core (`tawasul.core.access`): `restrict` asks the policy installed at
start-up (the access app's record rules), denies everything without one, and a forbidden but
existing record is handed to the policy's audit hook."""

import pytest
from django.http import Http404

from tawasul.access.models import AccessDenial
from tawasul.access.querysets import POLICY, RecordRulePolicy
from tawasul.core import access
from tawasul.org.models import Company
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory, UserFactory


@pytest.fixture
def no_policy():
    previous = access.set_policy(None)
    yield
    access.set_policy(previous)


def test_the_access_app_installs_its_policy():
    assert access.get_policy() is POLICY
    assert isinstance(POLICY, RecordRulePolicy)


def test_without_a_policy_nothing_is_visible(db, no_policy):
    CompanyFactory()
    boss = UserFactory(username="root-without-policy", is_superuser=True)
    assert not Company.objects.restrict(boss).exists()
    assert access.user_company_id(boss) is None
    access.log_denial(user=boss, model=Company, object_id=1, action="view")  # no audit, no error
    assert not AccessDenial.objects.exists()


class Recording:
    """A policy that shows one company only and remembers what it was asked."""

    def __init__(self, visible_pk):
        self.visible_pk = visible_pk
        self.denied_calls = []

    def restrict(self, queryset, user, action):
        return queryset.filter(pk=self.visible_pk)

    def company_id(self, user):
        return self.visible_pk

    def denied(self, **kwargs):
        self.denied_calls.append(kwargs)


def test_restrict_and_the_one_record_helper_ask_the_installed_policy(db):
    shown, hidden = CompanyFactory(), CompanyFactory()
    user = UserFactory(username="someone")
    policy = Recording(shown.pk)
    previous = access.set_policy(policy)
    try:
        assert list(Company.objects.restrict(user)) == [shown]
        assert access.user_company_id(user) == shown.pk
        assert access.get_restricted_or_404(Company.objects, user, pk=shown.pk) == shown
        with pytest.raises(Http404):
            access.get_restricted_or_404(Company.objects, user, "change", pk=hidden.pk)
        with pytest.raises(Http404):  # a missing record is not a denied attempt
            access.get_restricted_or_404(Company.objects, user, pk=hidden.pk + 1000)
    finally:
        access.set_policy(previous)
    assert policy.denied_calls == [
        {
            "user": user,
            "model": Company,
            "object_id": hidden.pk,
            "action": "change",
            "request": None,
        }
    ]


def test_the_record_rule_policy_writes_a_denial_to_the_access_audit(db):
    mine, other = CompanyFactory(), CompanyFactory()
    user = UserFactory(username="staff-of-mine")
    EmployeeFactory(company=mine, user=user)
    with pytest.raises(Http404):
        access.get_restricted_or_404(Company.objects, user, pk=other.pk)
    denial = AccessDenial.objects.get()
    assert (denial.user, denial.model, denial.object_id) == (user, "org.company", str(other.pk))
