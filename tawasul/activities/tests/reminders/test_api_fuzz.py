"""Schemathesis over /api/reminders/: generated requests (valid and invalid) by a member of
staff with the reminder permissions never answer a server error; bad input comes back as
field errors."""

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from tawasul.access.tokens import api_token_create

from .test_services import save

_raw = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
schema = schemathesis.openapi.from_dict(_raw).include(path_regex="^/api/reminders/")
schema.app = get_wsgi_application()

pytestmark = pytest.mark.fuzz


@pytest.fixture
def token(staff):
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    save(staff.author, users=[staff.author, staff.colleague], roles=[staff.role])
    yield api_token_create(actor=staff.author, name="fuzz")[1]
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
def test_no_reminder_operation_answers_a_server_error(case, token):
    from schemathesis.checks import not_a_server_error

    response = case.call(headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=[not_a_server_error])
