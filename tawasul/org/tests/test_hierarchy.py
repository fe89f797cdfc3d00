import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tawasul.org.models import Employee
from tawasul.org.services import employee_save
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory


@pytest.fixture
def tree(db):
    company = CompanyFactory()
    ceo = EmployeeFactory(company=company, name="CEO", user=None)
    manager = EmployeeFactory(company=company, name="Manager", reports_to=ceo, user=None)
    supervisor = EmployeeFactory(company=company, name="Supervisor", reports_to=manager, user=None)
    rep1 = EmployeeFactory(company=company, name="Rep 1", reports_to=supervisor, user=None)
    rep2 = EmployeeFactory(company=company, name="Rep 2", reports_to=supervisor, user=None)
    other = EmployeeFactory(company=company, name="Other", reports_to=ceo, user=None)
    return locals()


def test_subordinates_at_any_depth_in_one_query(tree):
    with CaptureQueriesContext(connection) as ctx:
        names = set(tree["manager"].subordinates().values_list("name", flat=True))
    assert names == {"Supervisor", "Rep 1", "Rep 2"}
    assert len(ctx.captured_queries) == 1


def test_chain_of_managers_in_one_query(tree):
    rep = Employee.objects.get(pk=tree["rep1"].pk)
    with CaptureQueriesContext(connection) as ctx:
        names = set(rep.managers().values_list("name", flat=True))
    assert names == {"Supervisor", "Manager", "CEO"}
    assert len(ctx.captured_queries) == 1
    assert rep.manager_ids == [tree["supervisor"].pk, tree["manager"].pk, tree["ceo"].pk]


def test_moving_a_manager_moves_the_whole_subtree(tree):
    supervisor = Employee.objects.get(pk=tree["supervisor"].pk)
    employee_save(actor=None, instance=supervisor, reports_to=tree["other"])
    rep = Employee.objects.get(pk=tree["rep2"].pk)
    assert set(rep.managers().values_list("name", flat=True)) == {"Supervisor", "Other", "CEO"}
    assert rep.depth == 3
    assert not tree["manager"].subordinates().exists()


def test_cycles_are_refused(tree):
    manager = Employee.objects.get(pk=tree["manager"].pk)
    with pytest.raises(ValidationError) as exc:
        employee_save(actor=None, instance=manager, reports_to=tree["rep1"])
    assert "reports_to" in exc.value.message_dict
    manager.refresh_from_db()
    assert manager.reports_to_id == tree["ceo"].pk
