"""The work calendar and holiday pages: lists, forms with errors at their fields, deletes,
permissions, and the Working time card of the Organization overview."""

from datetime import date, time

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tawasul.core import clock
from tawasul.org.models import Holiday, WorkCalendar
from tawasul.org.services import holiday_save, work_calendar_save
from tawasul.org.tests.factories import BranchFactory, CompanyFactory, EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

VIEW = ["org.view_employee", "org.view_workcalendar", "org.view_holiday"]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _user_client(client, company, perms, username="clerk"):
    user = UserFactory(username=username, perms=perms)
    EmployeeFactory(company=company, user=user)
    client.force_login(user)
    return client


def test_the_calendar_pages_need_their_permission(client, company):
    viewer = _user_client(client, company, ["org.view_employee"])
    for name in ("work_calendar_list", "work_calendar_create", "holiday_list", "holiday_create"):
        assert viewer.get(reverse(f"org:{name}")).status_code == 403, name
    page = viewer.get(reverse("org:overview"))
    assert page.status_code == 200
    assert page.context["working_time"] is None
    assert reverse("org:holiday_list") not in page.content.decode()


def test_a_viewer_sees_the_lists_without_buttons_to_change_them(client, company):
    calendar = work_calendar_save(actor=None, company=company)
    holiday = holiday_save(
        actor=None,
        company=company,
        name="National Day",
        name_ar="اليوم الوطني",
        starts_on=date(2026, 9, 23),
        ends_on=date(2026, 9, 24),
    )
    viewer = _user_client(client, company, VIEW)
    calendars = viewer.get(reverse("org:work_calendar_list"))
    assert calendars.status_code == 200
    text = calendars.content.decode()
    assert "Whole company" in text and "Sunday – Thursday" in text and "08:00–17:00" in text
    assert reverse("org:work_calendar_update", args=[calendar.pk]) not in text
    assert reverse("org:work_calendar_create") not in text
    holidays = viewer.get(reverse("org:holiday_list"))
    text = holidays.content.decode()
    assert "National Day" in text and "2026-09-23" in text and "2 days" in text
    assert reverse("org:holiday_delete", args=[holiday.pk]) not in text
    assert viewer.get(reverse("org:work_calendar_update", args=[calendar.pk])).status_code == 403
    assert viewer.get(reverse("org:holiday_delete", args=[holiday.pk])).status_code == 403


def test_another_companys_records_are_not_found(admin_client, company):
    other = CompanyFactory(code="OTH")
    calendar = work_calendar_save(actor=None, company=other)
    holiday = holiday_save(
        actor=None,
        company=other,
        name="Theirs",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 1, 1),
    )
    assert "Theirs" not in admin_client.get(reverse("org:holiday_list")).content.decode()
    for name, pk in (
        ("work_calendar_update", calendar.pk),
        ("work_calendar_delete", calendar.pk),
        ("holiday_update", holiday.pk),
        ("holiday_delete", holiday.pk),
    ):
        assert admin_client.get(reverse(f"org:{name}", args=[pk])).status_code == 404, name


def test_create_edit_and_delete_a_work_calendar(admin_client, admin_user, company):
    branch = BranchFactory(company=company, name="Jeddah")
    url = reverse("org:work_calendar_create")
    form = admin_client.get(url)
    assert form.status_code == 200
    assert 'type="time"' in form.content.decode()
    bad = admin_client.post(url, {"working_days": [], "day_starts": "17:00", "day_ends": "08:00"})
    assert bad.status_code == 200
    errors = bad.context["form"].errors
    assert errors["working_days"] == ["Choose at least one working day."]
    assert errors["day_ends"] == ["The working day must end after it starts."]
    saved = admin_client.post(
        url,
        {
            "working_days": ["7", "1", "2", "3", "4", "6"],
            "day_starts": "07:30",
            "day_ends": "16:30",
        },
    )
    assert saved.status_code == 302
    calendar = WorkCalendar.objects.get()
    assert calendar.company == company and calendar.branch is None
    assert calendar.working_days == [7, 1, 2, 3, 4, 6]
    assert calendar.history.get().history_user == admin_user
    # A second company calendar is refused at the branch field.
    again = admin_client.post(
        url, {"working_days": ["1"], "day_starts": "08:00", "day_ends": "09:00"}
    )
    assert again.context["form"].errors["branch"] == ["The company already has its calendar."]
    branch_calendar = admin_client.post(
        url,
        {
            "branch": branch.pk,
            "working_days": ["1", "2"],
            "day_starts": "08:00",
            "day_ends": "12:00",
        },
    )
    assert branch_calendar.status_code == 302
    edit = reverse("org:work_calendar_update", args=[calendar.pk])
    page = admin_client.get(edit)
    assert reverse("org:work_calendar_delete", args=[calendar.pk]) in page.content.decode()
    admin_client.post(
        edit, {"working_days": ["1", "2", "3"], "day_starts": "08:00", "day_ends": "15:00"}
    )
    calendar.refresh_from_db()
    assert (calendar.working_days, calendar.day_ends) == ([1, 2, 3], time(15))
    listing = admin_client.get(reverse("org:work_calendar_list")).content.decode()
    assert "Monday – Wednesday" in listing and "Jeddah" in listing
    delete = reverse("org:work_calendar_delete", args=[calendar.pk])
    assert "Sunday to Thursday" in admin_client.get(delete).content.decode()
    assert admin_client.post(delete).status_code == 302
    assert list(WorkCalendar.objects.values_list("branch", flat=True)) == [branch.pk]


def test_create_edit_and_delete_a_holiday(admin_client, company):
    url = reverse("org:holiday_create")
    bad = admin_client.post(
        url, {"name": "Eid", "starts_on": "2026-03-22", "ends_on": "2026-03-19"}
    )
    assert bad.context["form"].errors == {"ends_on": ["A holiday cannot end before it starts."]}
    long = admin_client.post(
        url, {"name": "Eid", "starts_on": "2026-01-01", "ends_on": "2027-06-01"}
    )
    assert list(long.context["form"].errors) == ["ends_on"]
    control = admin_client.post(
        url, {"name": "Eid\x00", "starts_on": "2026-03-19", "ends_on": "2026-03-22"}
    )
    assert "name" in control.context["form"].errors
    saved = admin_client.post(
        url,
        {
            "name": "Eid al-Fitr",
            "name_ar": "عيد الفطر",
            "starts_on": "2026-03-19",
            "ends_on": "2026-03-22",
        },
    )
    assert saved.status_code == 302
    holiday = Holiday.objects.get()
    assert (holiday.company, holiday.branch, holiday.day_count) == (company, None, 4)
    edit = reverse("org:holiday_update", args=[holiday.pk])
    admin_client.post(
        edit,
        {
            "name": "Eid al-Fitr",
            "name_ar": "عيد الفطر",
            "starts_on": "2026-03-19",
            "ends_on": "2026-03-23",
        },
    )
    holiday.refresh_from_db()
    assert holiday.ends_on == date(2026, 3, 23)
    found = admin_client.get(reverse("org:holiday_list"), {"search": "عيد", "year": "2026"})
    assert found.context["rows"] == [holiday]
    assert admin_client.get(reverse("org:holiday_list"), {"year": "2025"}).context["rows"] == []
    assert admin_client.post(reverse("org:holiday_delete", args=[holiday.pk])).status_code == 302
    assert not Holiday.objects.exists()


def test_the_overview_shows_the_working_week_and_the_next_holidays(admin_client, company):
    today = clock.today()
    holiday_save(actor=None, company=company, name="Coming up", starts_on=today, ends_on=today)
    holiday_save(
        actor=None,
        company=company,
        name="Long gone",
        starts_on=date(2020, 1, 1),
        ends_on=date(2020, 1, 1),
    )
    page = admin_client.get(reverse("org:overview"))
    card = page.context["working_time"]
    assert card["days"] == "Sunday – Thursday" and card["hours"] == "08:00–17:00"
    assert [h.name for h in card["holidays"]] == ["Coming up"]
    text = page.content.decode()
    assert 'id="working-time"' in text and reverse("org:work_calendar_list") in text


# --- the API ------------------------------------------------------------------------------------


@pytest.fixture
def admin_api(admin_user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(admin_user)
    return api


def test_the_api_writes_through_the_services_with_field_errors(admin_api, admin_user, company):
    created = admin_api.post(
        "/api/work-calendars/",
        {"company": company.pk, "working_days": [4, 3, 2, 1, 7], "day_starts": "09:00"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["working_days"] == [7, 1, 2, 3, 4] and body["day_starts"] == "09:00:00"
    assert WorkCalendar.objects.get().history.get().history_user == admin_user
    again = admin_api.post("/api/work-calendars/", {"company": company.pk}, format="json")
    assert again.status_code == 400 and list(again.json()) == ["branch"]
    for days in ([], [0], [8], ["x"]):
        bad = admin_api.patch(
            f"/api/work-calendars/{body['id']}/", {"working_days": days}, format="json"
        )
        assert bad.status_code == 400 and list(bad.json()) == ["working_days"], days
    hours = admin_api.patch(
        f"/api/work-calendars/{body['id']}/", {"day_ends": "08:00"}, format="json"
    )
    assert hours.status_code == 400 and list(hours.json()) == ["day_ends"]
    holiday = admin_api.post(
        "/api/holidays/",
        {
            "company": company.pk,
            "name": "National Day",
            "starts_on": "2026-09-23",
            "ends_on": "2026-09-23",
        },
        format="json",
    )
    assert holiday.status_code == 201, holiday.json()
    backwards = admin_api.post(
        "/api/holidays/",
        {"company": company.pk, "name": "Oops", "starts_on": "2026-09-23", "ends_on": "2026-09-22"},
        format="json",
    )
    assert backwards.status_code == 400 and list(backwards.json()) == ["ends_on"]
    listed = admin_api.get("/api/holidays/", {"year": 2026})
    assert [h["name"] for h in listed.json()["results"]] == ["National Day"]
    assert admin_api.delete(f"/api/holidays/{holiday.json()['id']}/").status_code == 204
    assert admin_api.delete(f"/api/work-calendars/{body['id']}/").status_code == 204
    assert not Holiday.objects.exists() and not WorkCalendar.objects.exists()
    assert Holiday.history.filter(history_type="-").get().history_user == admin_user


def test_the_api_shows_only_the_users_company_and_needs_the_permissions(api_client, company):
    from tawasul.org.tests.factories import CompanyFactory as Companies

    other = Companies(code="OTH")
    holiday_save(
        actor=None,
        company=other,
        name="Theirs",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 1, 1),
    )
    # The staff user of the fixtures holds none of the working time permissions.
    assert api_client.get("/api/holidays/").status_code == 403
    denied = api_client.post(
        "/api/holidays/",
        {"company": company.pk, "name": "Mine", "starts_on": "2026-1-1", "ends_on": "2026-1-1"},
        format="json",
    )
    assert denied.status_code == 403


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["08:00", "25:00", "2026-02-30", "9999-12-31", "0001-01-01", "17:00:00"]),
    lambda children: (
        st.lists(children, max_size=8) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    endpoint=st.sampled_from(["work-calendars", "holidays"]),
    payload=st.dictionaries(
        st.sampled_from(
            [
                "company",
                "branch",
                "working_days",
                "day_starts",
                "day_ends",
                "name",
                "name_ar",
                "starts_on",
                "ends_on",
            ]
        ),
        JSON_VALUES,
    ),
)
def test_any_api_input_is_saved_or_refused_at_fields(admin_api, company, endpoint, payload):
    payload = {"company": company.pk, **payload} if "company" not in payload else payload
    response = admin_api.post(f"/api/{endpoint}/", payload, format="json")
    assert response.status_code in (201, 400), (response.status_code, payload)
    if response.status_code == 400:
        assert set(response.json()) <= {
            *payload,
            "name",
            "starts_on",
            "ends_on",
            "company",
            "branch",
        }
    else:
        model = WorkCalendar if endpoint == "work-calendars" else Holiday
        model.objects.filter(pk=response.json()["id"]).delete()
