"""Schemathesis: requests generated from the OpenAPI schema never make the API fail.

Every operation of the schema is called in-process (WSGI) with valid and invalid data by a
signed-in staff user; no answer may be a server error, and every answer must match the schema's
content type. Bad input must come back as a JSON error naming its fields, never as a 500.
"""

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import content_type_conformance

from tawasul.access.tokens import api_token_create
from tawasul.org.tests.factories import BranchFactory

_raw = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
schema = schemathesis.openapi.from_dict(_raw)
schema.app = get_wsgi_application()

pytestmark = pytest.mark.fuzz


@pytest.fixture
def same_connection():
    """Keep the test's database connection across requests, as Django's test client does.

    The WSGI handler closes connections at the end of each request when they are not in
    autocommit mode, which a test's transaction never is."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(same_connection, staff_user, company, customer_type):
    BranchFactory(company=company, code="HQ")  # something to find, link and change
    from tawasul.contacts.tests.factories import make_contact

    target = make_contact(company=company, contact_type=customer_type, name="Fuzz Target")
    from django.contrib.auth.models import Permission
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tawasul.documents.services import attachment_add, note_add

    # Rows for the documents API, and its permissions, so its operations reach the services.
    staff_user.user_permissions.add(*Permission.objects.filter(content_type__app_label="documents"))
    note_add(actor=None, record=target, body="Fuzz note")
    attachment_add(actor=None, record=target, upload=SimpleUploadedFile("fuzz.txt", b"fuzz"))
    return api_token_create(actor=staff_user, name="fuzz")[1]


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
def test_no_operation_answers_a_server_error(case, token):
    from schemathesis.checks import not_a_server_error

    response = case.call(headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=[not_a_server_error, content_type_conformance])
