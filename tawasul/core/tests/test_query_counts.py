"""Exact query count of the home page, against a committed baseline.

See query_baselines.py beside this file for what fails and how to record a new baseline
(`query_counts.json` beside this file, per database engine).
"""

import pytest

from tawasul.contacts.tests.factories import make_contact
from tawasul.core.tests import query_baselines
from tawasul.core.tests.query_baselines import assert_get_queries
from tawasul.org.tests.factories import EmployeeFactory


def test_home_page(staff_client, staff_user, company, customer_type):
    me = staff_user.employee
    EmployeeFactory(company=company, user=None, name="Rep Below", code="B1", reports_to=me)
    for n in range(3):
        make_contact(company=company, contact_type=customer_type, name=f"C{n}", representative=me)
    assert_get_queries(staff_client, "/", app="core", name="home")


# --- the kit itself --------------------------------------------------------------------------


def test_a_count_that_grows_fails_listing_the_queries(tmp_path, monkeypatch):
    monkeypatch.delenv(query_baselines.UPDATE_VARIABLE, raising=False)
    path = tmp_path / "tawasul" / "demo" / "tests" / "query_counts.json"
    query_baselines.record_baseline(path, "page", "sqlite", 2)
    query_baselines.compare(path, "page", "sqlite", 2, ["a", "b"])  # equal: passes
    with pytest.raises(AssertionError, match=r"(?s)3 queries on sqlite, 1 more .*\n  3\. c$"):
        query_baselines.compare(path, "page", "sqlite", 3, ["a", "b", "c"])
    with pytest.raises(AssertionError, match=r"1 fewer than its baseline of 2: well done"):
        query_baselines.compare(path, "page", "sqlite", 1, ["a"])
    with pytest.raises(AssertionError, match=r"No query baseline for 'page' on postgresql"):
        query_baselines.compare(path, "page", "postgresql", 2, ["a", "b"])


def test_the_update_variable_records_per_engine(tmp_path, monkeypatch):
    path = tmp_path / "query_counts.json"
    monkeypatch.setenv(query_baselines.UPDATE_VARIABLE, "1")
    query_baselines.compare(path, "page", "sqlite", 5, [])
    query_baselines.compare(path, "page", "postgresql", 6, [])
    query_baselines.compare(path, "other", "sqlite", 1, [])
    assert query_baselines._read(path) == {
        "other": {"sqlite": 1},
        "page": {"postgresql": 6, "sqlite": 5},
    }
